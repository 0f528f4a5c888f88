package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.pushline.SourceException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A regular (non-pub/sub) Redis connection for {@code PUBLISH} and the history scripts, opened asynchronously on
 * first use. When opening it fails, the next command tries again; once open, Lettuce reconnects it by itself.
 * Commands are issued in the order they were run, also those run while the connection opens. Thread-safe; never
 * blocks a publisher.
 */
final class PublishConnection {
    private static final Logger LOG = LoggerFactory.getLogger(PublishConnection.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final String description;

    // guarded by this
    private CompletableFuture<StatefulRedisConnection<String, byte[]>> connection;
    /** Completes, with the connection, once every command run so far has been issued on it. Guarded by this. */
    private CompletableFuture<StatefulRedisConnection<String, byte[]>> issuedAll;
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
        return run("PUBLISH to " + channel, commands -> commands.publish(channel, payload));
    }

    /**
     * Runs a command on the connection, opening it first when needed. Never blocks.
     *
     * @param what the command and its topic, for the failure's message ("PUBLISH to news")
     * @param command issues the command
     * @return a future completed on a Lettuce I/O thread with the reply, or failed with a {@link SourceException}
     *     "what on server failed: cause"
     */
    <T> CompletableFuture<T> run(String what,
            Function<RedisAsyncCommands<String, byte[]>, ? extends CompletionStage<T>> command) {
        CompletableFuture<StatefulRedisConnection<String, byte[]>> after;
        CompletableFuture<CompletionStage<T>> issued = null;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new SourceException("closed: cannot run " + what));
            }
            if (connection == null || connection.isCompletedExceptionally()) {
                connection = connect();
                issuedAll = connection;
            }
            after = issuedAll;
            if (!after.isDone()) {
                // while the connection opens, each command waits for the one before: issued in call order (the
                // dependents of one future would run newest first)
                issued = after.thenApply(conn -> command.apply(conn.async()));
                issuedAll = issued.handle((stage, error) -> after.join());
            }
        }
        if (issued == null) { // open, nothing waiting: issued now, outside the lock
            issued = after.thenApply(conn -> command.apply(conn.async()));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        issued.thenCompose(stage -> stage).whenComplete((reply, error) -> {
            if (error == null) {
                result.complete(reply);
            } else {
                Throwable cause = Lettuce.unwrap(error);
                LOG.debug("{} on {} failed", what, description, cause);
                result.completeExceptionally(new SourceException(what + " on " + description + " failed: " + cause,
                        cause));
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
