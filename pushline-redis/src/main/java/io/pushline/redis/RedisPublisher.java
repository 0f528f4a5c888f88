package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Publishes messages to Redis channels, for host applications that feed Pushline servers subscribed through a
 * {@link RedisMessageSource}:
 *
 * <pre>{@code
 * try (RedisPublisher publisher = RedisPublisher.create("redis://localhost:6379")) {
 *     publisher.publish("updates", "hello").join();
 * }
 * }</pre>
 *
 * <p>The connection is opened asynchronously on the first publish; when that fails, the next publish tries again,
 * and once open Lettuce reconnects it by itself. Payload bytes are sent as they are.
 *
 * <p><b>History.</b> Created with {@link HistoryOptions}, the same as the servers' {@link RedisMessageSource}s, the
 * publisher keeps history in Redis for the topics the options name: a publish there runs the source's Lua script,
 * which gives the message the topic's next {@link Position}, keeps it (the key layout is described on
 * {@link RedisMessageSource}) and publishes it wrapped in the envelope the sources unwrap. Other topics get a plain
 * {@code PUBLISH}.
 *
 * <pre>{@code
 * HistoryOptions history = HistoryOptions.builder().size(1000).topics(t -> t.startsWith("news.")).build();
 * try (RedisPublisher publisher = RedisPublisher.create(RedisURI.create("redis://localhost:6379"), history)) {
 *     Position p = publisher.publishWithPosition("news.eu", "hello".getBytes(UTF_8)).join(); // e.g. 42.Xk3v9QaZp0Lm
 *     publisher.publish("weather", "sunny").join(); // no history: plain PUBLISH
 * }
 * }</pre>
 *
 * <p>Publishes are sent in call order, also those made while the connection opens. Each history publish gets the
 * topic's next offset, atomically with its {@code PUBLISH}, so subscribers see offsets in delivery order, whichever
 * publishers they came from. After Redis lost its script cache (a restart, a {@code SCRIPT FLUSH}) the publishes in
 * flight at that moment are sent again with the script's text, and may be applied after later ones.
 *
 * <p><b>Redis Cluster.</b> A publisher made by {@code createCluster} ({@link #createCluster(String)} and its
 * overloads) feeds {@link RedisClusterMessageSource}s: a plain message goes out with {@code SPUBLISH}, a message with
 * history through the same script ending in {@code SPUBLISH}, each to the master of the topic's slot (Lettuce's
 * cluster client routes it by key; the topic's history keys are in that slot too). The receiver count is then that
 * master's. A publish that Redis did not run because the slot was migrating or its master failing over
 * ({@code TRYAGAIN}, {@code CLUSTERDOWN}, a master not connected) is tried again for up to about 1.5 s; one that
 * fails after it was sent is not (it may have run), and fails its future.
 *
 * <p><b>Ownership.</b> {@link #create(String)} and {@link #create(RedisURI)} create a client with the same settings
 * as {@link RedisMessageSource#create(RedisURI)}, which {@link #close()} shuts down.
 * {@link #create(RedisClient, RedisURI)} uses a client the caller owns and never shuts it down.
 *
 * <p><b>Threading.</b> Thread-safe; {@code publish} never blocks, so it may be called from event loops.
 * The returned futures complete on a Lettuce I/O thread: code chained to them must not block.
 */
public final class RedisPublisher implements AutoCloseable {
    private final PublishConnection<?> connection;
    private final RedisHistory history;
    private final Lettuce.OwnedClient<?> owned;
    private final String description;
    private volatile boolean closed;

    private RedisPublisher(RedisClient client, RedisURI uri, Lettuce.OwnedClient<?> owned,
            HistoryOptions history) {
        this(PublishConnection.standalone(client, uri, Lettuce.describe(uri)), Lettuce.describe(uri), owned,
                history);
    }

    private RedisPublisher(PublishConnection<?> connection, String description, Lettuce.OwnedClient<?> owned,
            HistoryOptions history) {
        this.owned = owned;
        this.description = description;
        this.connection = connection;
        this.history = history == null ? null : new RedisHistory(history, connection);
    }

    /**
     * Creates a publisher that owns its Redis client.
     *
     * @param uri a Redis URI such as {@code redis://localhost:6379}
     * @return a new publisher; close it to release its client
     * @throws IllegalArgumentException when the URI cannot be parsed
     */
    public static RedisPublisher create(String uri) {
        return create(RedisURI.create(Objects.requireNonNull(uri, "uri")));
    }

    /**
     * Creates a publisher that owns its Redis client: the client is created here and shut down by
     * {@link #close()}.
     *
     * @param uri the Redis server
     * @return a new publisher; close it to release its client
     */
    public static RedisPublisher create(RedisURI uri) {
        Lettuce.OwnedClient<RedisClient> owned = Lettuce.newClient(uri, RedisMessageSource.DEFAULT_REQUEST_QUEUE_SIZE);
        return new RedisPublisher(owned.client, uri, owned, null);
    }

    /**
     * Creates a publisher that owns its Redis client, as {@link #create(RedisURI)}, and keeps history for the
     * topics {@code history} names (see the class comment). Give it the options the sources have.
     *
     * @param uri the Redis server
     * @param history how much history to keep, and for which topics
     * @return a new publisher; close it to release its client
     */
    public static RedisPublisher create(RedisURI uri, HistoryOptions history) {
        Objects.requireNonNull(history, "history");
        Lettuce.OwnedClient<RedisClient> owned = Lettuce.newClient(uri, RedisMessageSource.DEFAULT_REQUEST_QUEUE_SIZE);
        return new RedisPublisher(owned.client, uri, owned, history);
    }

    /**
     * Creates a publisher on a client the caller owns. {@link #close()} closes the publisher's connection but never
     * shuts the client down.
     *
     * @param client the client, owned by the caller
     * @param uri the Redis server to connect to
     * @return a new publisher
     */
    public static RedisPublisher create(RedisClient client, RedisURI uri) {
        return new RedisPublisher(Objects.requireNonNull(client, "client"), Objects.requireNonNull(uri, "uri"),
                null, null);
    }

    /**
     * Creates a publisher on a client the caller owns, as {@link #create(RedisClient, RedisURI)}, that keeps
     * history for the topics {@code history} names (see the class comment).
     *
     * @param client the client, owned by the caller
     * @param uri the Redis server to connect to
     * @param history how much history to keep, and for which topics
     * @return a new publisher
     */
    public static RedisPublisher create(RedisClient client, RedisURI uri, HistoryOptions history) {
        return new RedisPublisher(Objects.requireNonNull(client, "client"), Objects.requireNonNull(uri, "uri"),
                null, Objects.requireNonNull(history, "history"));
    }

    /**
     * Creates a publisher to a Redis Cluster that owns its client: messages go out with {@code SPUBLISH} to the
     * master of the topic's slot, for {@link RedisClusterMessageSource}s (see the class comment).
     *
     * @param seeds one or more Redis URIs of cluster nodes, separated by commas, such as
     *     {@code redis://127.0.0.1:30001,redis://127.0.0.1:30002}
     * @return a new publisher; close it to release its client
     * @throws IllegalArgumentException when there is no URI, or one cannot be parsed
     */
    public static RedisPublisher createCluster(String seeds) {
        return createCluster(Lettuce.seeds(seeds));
    }

    /**
     * Creates a publisher to a Redis Cluster that owns its client, as {@link #createCluster(String)}.
     *
     * @param seeds one or more cluster nodes
     * @return a new publisher; close it to release its client
     */
    public static RedisPublisher createCluster(List<RedisURI> seeds) {
        return ownedCluster(seeds, null);
    }

    /**
     * Creates a publisher to a Redis Cluster that owns its client and keeps history for the topics {@code history}
     * names, with the script the {@link RedisClusterMessageSource}s read (its envelope goes out with
     * {@code SPUBLISH}). Give it the options the sources have.
     *
     * @param seeds one or more cluster nodes
     * @param history how much history to keep, and for which topics
     * @return a new publisher; close it to release its client
     */
    public static RedisPublisher createCluster(List<RedisURI> seeds, HistoryOptions history) {
        return ownedCluster(seeds, Objects.requireNonNull(history, "history"));
    }

    /**
     * Creates a publisher on a Redis Cluster client the caller owns; {@link #close()} never shuts it down.
     *
     * @param client the client, owned by the caller
     * @return a new publisher
     */
    public static RedisPublisher createCluster(RedisClusterClient client) {
        return new RedisPublisher(PublishConnection.cluster(Objects.requireNonNull(client, "client"),
                "redis-cluster"), "redis-cluster", null, null);
    }

    /**
     * Creates a publisher on a Redis Cluster client the caller owns that keeps history for the topics
     * {@code history} names, as {@link #createCluster(List, HistoryOptions)}.
     *
     * @param client the client, owned by the caller
     * @param history how much history to keep, and for which topics
     * @return a new publisher
     */
    public static RedisPublisher createCluster(RedisClusterClient client, HistoryOptions history) {
        return new RedisPublisher(PublishConnection.cluster(Objects.requireNonNull(client, "client"),
                "redis-cluster"), "redis-cluster", null, Objects.requireNonNull(history, "history"));
    }

    private static RedisPublisher ownedCluster(List<RedisURI> seeds, HistoryOptions history) {
        List<RedisURI> copy = List.copyOf(seeds);
        Lettuce.OwnedClient<RedisClusterClient> owned = Lettuce.newClusterClient(copy,
                RedisMessageSource.DEFAULT_REQUEST_QUEUE_SIZE, RedisClusterMessageSource.DEFAULT_TOPOLOGY_REFRESH);
        String description = copy.stream().map(Lettuce::describe).collect(Collectors.joining(","));
        return new RedisPublisher(PublishConnection.cluster(owned.client, description), description, owned, history);
    }

    /**
     * Tells whether a publish to the topic keeps history and gives a position.
     *
     * @param channel a topic
     * @return whether the publisher was created with history options that name it
     */
    public boolean hasHistory(String channel) {
        return history != null && history.appliesTo(channel);
    }

    /**
     * Publishes a payload to a channel: with {@code PUBLISH}, or on a topic with history with the history script
     * (see the class comment).
     *
     * @param channel the channel; must be a valid Pushline topic (see {@link Topics})
     * @param payload the payload bytes, sent as they are; must not be modified until the future completes
     * @return a future completed with the number of subscriptions that received the message (on this Redis
     *     server), or failed with a {@link SourceException} naming the channel, also after {@link #close()}
     * @throws IllegalArgumentException when the channel is not a valid topic
     */
    public CompletableFuture<Long> publish(String channel, byte[] payload) {
        Topics.validate(channel);
        Objects.requireNonNull(payload, "payload");
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("PUBLISH " + channel
                    + ": publisher is closed"));
        }
        return retried(() -> hasHistory(channel)
                ? history.publish(channel, payload).thenApply(RedisHistory.Published::receivers)
                : connection.publish(channel, payload));
    }

    /**
     * Publishes a payload to a topic with history and returns the position it was given.
     *
     * @param channel a valid topic for which {@link #hasHistory(String)} is true
     * @param payload the payload bytes, sent as they are; must not be modified until the future completes
     * @return a future completed, on a Lettuce I/O thread, with the message's position, or failed with a
     *     {@link SourceException} naming the channel, also after {@link #close()}
     * @throws IllegalArgumentException when the channel is not a valid topic, or has no history
     */
    public CompletableFuture<Position> publishWithPosition(String channel, byte[] payload) {
        Topics.validate(channel);
        Objects.requireNonNull(payload, "payload");
        if (!hasHistory(channel)) {
            throw new IllegalArgumentException("no history for " + channel + " (" + (history == null
                    ? "the publisher was created without HistoryOptions" : "the HistoryOptions exclude it") + ")");
        }
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("PUBLISH " + channel
                    + ": publisher is closed"));
        }
        return retried(() -> history.publish(channel, payload).thenApply(RedisHistory.Published::position));
    }

    /** On a cluster, a publish Redis did not run (a slot migrating, a master failing over) is tried again. */
    private <T> CompletableFuture<T> retried(java.util.function.Supplier<CompletableFuture<T>> publish) {
        return connection.sharded() ? ClusterRetry.ifNotRun(publish, connection, () -> closed) : publish.get();
    }

    /**
     * Publishes text, encoded as UTF-8, to a channel, as {@link #publish(String, byte[])} does.
     *
     * @param channel the channel; must be a valid Pushline topic (see {@link Topics})
     * @param utf8 the payload text
     * @return a future completed with the number of subscriptions that received the message, or failed with a
     *     {@link SourceException} naming the channel
     * @throws IllegalArgumentException when the channel is not a valid topic
     */
    public CompletableFuture<Long> publish(String channel, String utf8) {
        return publish(channel, Objects.requireNonNull(utf8, "utf8").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Closes the connection and, when the publisher owns its client, shuts the client down. Bounded and
     * idempotent; publishes still pending fail with a {@link SourceException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        connection.close();
        if (owned != null) {
            owned.shutdown();
        }
    }

    /**
     * Describes the publisher by its Redis URI, without credentials.
     *
     * @return for example {@code RedisPublisher[redis://localhost:6379]}
     */
    @Override
    public String toString() {
        return "RedisPublisher[" + description + "]";
    }
}
