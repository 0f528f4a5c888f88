package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.pushline.SourceException;
import io.pushline.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
 * <p><b>Ownership.</b> {@link #create(String)} and {@link #create(RedisURI)} create a client with the same settings
 * as {@link RedisMessageSource#create(RedisURI)}, which {@link #close()} shuts down.
 * {@link #create(RedisClient, RedisURI)} uses a client the caller owns and never shuts it down.
 *
 * <p><b>Threading.</b> Thread-safe; {@code publish} never blocks, so it may be called from event loops.
 * The returned futures complete on a Lettuce I/O thread: code chained to them must not block.
 */
public final class RedisPublisher implements AutoCloseable {
    private final PublishConnection connection;
    private final Lettuce.OwnedClient owned;
    private final String description;
    private volatile boolean closed;

    private RedisPublisher(RedisClient client, RedisURI uri, Lettuce.OwnedClient owned) {
        this.owned = owned;
        this.description = Lettuce.describe(uri);
        this.connection = new PublishConnection(client, uri, description);
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
        Lettuce.OwnedClient owned = Lettuce.newClient(uri, RedisMessageSource.DEFAULT_REQUEST_QUEUE_SIZE);
        return new RedisPublisher(owned.client, uri, owned);
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
                null);
    }

    /**
     * Publishes a payload to a channel with {@code PUBLISH}.
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
        return connection.publish(channel, payload);
    }

    /**
     * Publishes text, encoded as UTF-8, to a channel with {@code PUBLISH}.
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
