package io.pushline.redis;

import io.pushline.SourceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the subscriber of a {@link RedisMessageSource} should hold (the channels and patterns to restore after a
 * reconnect) and the futures waiting for Redis to confirm a change: the classic
 * {@link Subscriptions}, one channel or pattern per command. Changes are made from any thread; the
 * connection's event loop reads them. Thread-safe: one lock, held briefly.
 */
final class WantedSubscriptions implements Subscriptions {
    private final Object lock = new Object();
    private final String description;
    // guarded by lock
    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    /** "subscribe x" to the futures completed when Redis confirms it. */
    private final Map<String, List<CompletableFuture<Void>>> waiting = new HashMap<>();
    private boolean closed;

    /** What a new connection subscribes: the wanted channels and patterns, in the order they were wanted. */
    record Snapshot(List<String> channels, List<String> patterns) {
    }

    /** Subscriptions of the subscriber to {@code description} (named in refusals). */
    WantedSubscriptions(String description) {
        this.description = description;
    }

    /** For tests: refusals name "redis". */
    WantedSubscriptions() {
        this("redis");
    }

    @Override
    public void connected(PubSubConnection connection) {
        Snapshot subscribe = forNewConnection();
        subscribe.channels().forEach(name -> connection.send("subscribe", List.of(name)));
        subscribe.patterns().forEach(name -> connection.send("psubscribe", List.of(name)));
    }

    @Override
    public void answered(String verb, String name, String error) {
        complete(verb + " " + name, error == null ? null : Subscriptions.refusal(verb, name, description, error));
    }

    @Override
    public void unsubscribedByServer(String verb, String name) {
        // classic channels and patterns are never ended by Redis itself; nothing is held that was not asked for
    }

    @Override
    public void disconnected() {
        // forNewConnection() settles what the next connection makes moot
    }

    /**
     * Records a change and returns the future its confirmation completes.
     *
     * @param verb subscribe, unsubscribe, psubscribe or punsubscribe
     * @param name the channel or pattern
     * @return the future; failed at once when closed
     */
    CompletableFuture<Void> change(String verb, String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                done.completeExceptionally(new SourceException(verb.toUpperCase(Locale.ROOT) + " " + name
                        + ": source is closed"));
                return done;
            }
            switch (verb) {
                case "subscribe" -> channels.add(name);
                case "unsubscribe" -> channels.remove(name);
                case "psubscribe" -> patterns.add(name);
                case "punsubscribe" -> patterns.remove(name);
                default -> throw new IllegalArgumentException(verb);
            }
            waiting.computeIfAbsent(verb + " " + name, k -> new ArrayList<>()).add(done);
        }
        return done;
    }

    /**
     * For a new connection, which holds nothing: what it must subscribe, after completing the waiting changes it
     * makes moot (an unsubscription is done, and so is a subscription no longer wanted).
     */
    Snapshot forNewConnection() {
        List<String> moot = new ArrayList<>();
        Snapshot snapshot;
        synchronized (lock) {
            snapshot = new Snapshot(new ArrayList<>(channels), new ArrayList<>(patterns));
            for (String key : waiting.keySet()) {
                String name = key.substring(key.indexOf(' ') + 1);
                if (key.startsWith("un") || key.startsWith("pun")
                        || key.startsWith("subscribe ") && !channels.contains(name)
                        || key.startsWith("psubscribe ") && !patterns.contains(name)) {
                    moot.add(key);
                }
            }
        }
        moot.forEach(key -> complete(key, null));
        return snapshot;
    }

    /**
     * Redis answered a change: completes its futures, failed when {@code error} is set. A refused subscription is
     * forgotten, so that it is not sent again after a reconnect.
     *
     * @param key the command, as "verb name"
     * @param error null when confirmed
     */
    void complete(String key, Throwable error) {
        List<CompletableFuture<Void>> done;
        synchronized (lock) {
            if (error != null) {
                String name = key.substring(key.indexOf(' ') + 1);
                if (key.startsWith("subscribe ")) {
                    channels.remove(name);
                } else if (key.startsWith("psubscribe ")) {
                    patterns.remove(name);
                }
            }
            done = waiting.remove(key);
        }
        if (done != null) {
            for (CompletableFuture<Void> f : done) {
                if (error == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error);
                }
            }
        }
    }

    /**
     * Ends it all: later changes fail, and so do those still waiting.
     *
     * @return whether this call closed it (false when it already was)
     */
    boolean close() {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            waiting.values().forEach(pending::addAll);
            waiting.clear();
        }
        SourceException gone = new SourceException("source is closed");
        pending.forEach(f -> f.completeExceptionally(gone));
        return true;
    }
}
