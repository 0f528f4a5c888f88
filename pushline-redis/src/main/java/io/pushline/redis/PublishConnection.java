package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.pushline.SourceException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A regular (non-pub/sub) Redis connection for {@code PUBLISH}, opened asynchronously on first use. When opening it
 * fails, the next publish tries again; once open, Lettuce reconnects it by itself. Thread-safe; never blocks a
 * publisher.
 */
final class PublishConnection {
    private static final Logger LOG = LoggerFactory.getLogger(PublishConnection.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final String description;

    // guarded by this
    private CompletableFuture<StatefulRedisConnection<String, byte[]>> connection;
    private boolean closed;

    PublishConnection(RedisClient client, RedisURI uri, String description) {
        this.client = client;
        this.uri = uri;
        this.description = description;
    }

    /**
     * Publishes {@code payload} to {@code channel}.
     *
     * @return a future completed with the receiver count, or failed with a {@link SourceException} naming the
     *     channel
     */
    CompletableFuture<Long> publish(String channel, byte[] payload) {
        CompletableFuture<StatefulRedisConnection<String, byte[]>> c;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new SourceException("closed: cannot publish to " + channel));
            }
            if (connection == null || connection.isCompletedExceptionally()) {
                connection = connect();
            }
            c = connection;
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        c.thenCompose(conn -> conn.async().publish(channel, payload)).whenComplete((receivers, error) -> {
            if (error == null) {
                result.complete(receivers);
            } else {
                Throwable cause = Lettuce.unwrap(error);
                LOG.debug("PUBLISH to {} on {} failed", channel, description, cause);
                result.completeExceptionally(new SourceException(
                        "PUBLISH to " + channel + " on " + description + " failed: " + cause, cause));
            }
        });
        return result;
    }

    private CompletableFuture<StatefulRedisConnection<String, byte[]>> connect() {
        try {
            return client.connectAsync(Lettuce.CODEC, uri).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Closes the connection (bounded wait); one still being opened is closed as soon as it opens. Idempotent. */
    void close() {
        CompletableFuture<StatefulRedisConnection<String, byte[]>> c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        if (c == null) {
            return;
        }
        if (c.isDone()) {
            if (!c.isCompletedExceptionally()) {
                Lettuce.awaitClosed(c.join().closeAsync(), "publish connection to " + description);
            }
        } else {
            c.thenAccept(StatefulRedisConnection::closeAsync);
        }
    }
}
