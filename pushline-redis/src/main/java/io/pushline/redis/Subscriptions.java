package io.pushline.redis;

import io.pushline.SourceException;
import java.util.Locale;

/**
 * What a {@link PubSubConnection} subscribes, and what Redis's answers about it mean: classic channels and
 * patterns ({@link WantedSubscriptions}) or shard channels ({@link ShardSubscriptions}). Called on the connection's
 * I/O thread.
 */
interface Subscriptions {
    /** A new connection is ready and holds nothing yet: subscribe what it must hold. */
    void connected(PubSubConnection connection);

    /** Redis confirmed ({@code error} null) or refused one name of a subscription command. */
    void answered(String verb, String name, String error);

    /** Redis ended a subscription by itself ({@code sunsubscribe} when a shard channel's slot left the node). */
    void unsubscribedByServer(String verb, String name);

    /** The connection closed: nothing is held any more. */
    void disconnected();

    /** The error a refused change fails with: "VERB name on host failed: why". */
    static SourceException refusal(String verb, String name, String description, String error) {
        return new SourceException(verb.toUpperCase(Locale.ROOT) + " " + name + " on " + description + " failed: "
                + error);
    }
}
