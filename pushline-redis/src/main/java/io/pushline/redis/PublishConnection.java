package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.pushline.SourceException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A regular (non-pub/sub) Lettuce connection for publishing and the history scripts, opened asynchronously on first
 * use: to one Redis ({@link #standalone}, {@code PUBLISH}), or to a Redis Cluster ({@link #cluster},
 * {@code SPUBLISH}; Lettuce routes each command to the master of its key's slot). When opening it fails, the next
 * command tries again; once open, Lettuce reconnects it by itself. Commands are issued in the order they were run,
 * also those run while the connection opens. Thread-safe; never blocks a publisher.
 *
 * @param <C> the connection's asynchronous commands
 */
final class PublishConnection<C extends BaseRedisAsyncCommands<String, byte[]>
        & RedisScriptingAsyncCommands<String, byte[]>> {
    private static final Logger LOG = LoggerFactory.getLogger(PublishConnection.class);
    /** The least time between two topology refreshes made because a master could not take a command. */
    static final long REFRESH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connector;
    private final Function<StatefulConnection<String, byte[]>, C> commands;
    private final String description;
    private final boolean sharded;
    private final Runnable refreshTopology;
    /** When the topology was last refreshed on a failure ({@code System.nanoTime()}). */
    private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime() - REFRESH_INTERVAL_NANOS);

    // guarded by this
    private CompletableFuture<StatefulConnection<String, byte[]>> connection;
    /** Completes, with the connection, once every command run so far has been issued on it. Guarded by this. */
    private CompletableFuture<StatefulConnection<String, byte[]>> issuedAll;
    private boolean closed;

    private PublishConnection(Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connector,
            Function<StatefulConnection<String, byte[]>, C> commands, String description, boolean sharded,
            Runnable refreshTopology) {
        this.connector = connector;
        this.commands = commands;
        this.description = description;
        this.sharded = sharded;
        this.refreshTopology = refreshTopology;
    }

    /** A connection to one Redis, publishing with {@code PUBLISH}. */
    @SuppressWarnings("unchecked")
    static PublishConnection<RedisAsyncCommands<String, byte[]>> standalone(RedisClient client, RedisURI uri,
            String description) {
        return new PublishConnection<>(() -> client.connectAsync(Lettuce.CODEC, uri).toCompletableFuture(),
                c -> ((StatefulRedisConnection<String, byte[]>) c).async(), description, false, () -> { });
    }

    /** A connection to a Redis Cluster, publishing with {@code SPUBLISH}; the client holds the seed nodes. */
    @SuppressWarnings("unchecked")
    static PublishConnection<RedisAdvancedClusterAsyncCommands<String, byte[]>> cluster(RedisClusterClient client,
            String description) {
        // the client connects only once it knows the topology: read it first (also after a failed attempt)
        return new PublishConnection<>(() -> client.refreshPartitionsAsync().toCompletableFuture()
                .thenCompose(loaded -> client.connectAsync(Lettuce.CODEC)),
                c -> ((StatefulRedisClusterConnection<String, byte[]>) c).async(), description, true,
                () -> client.refreshPartitionsAsync().whenComplete((ok, e) -> {
                    if (e != null) {
                        LOG.debug("topology refresh of {} failed: {}", description, e.toString());
                    }
                }));
    }

    /**
     * A command failed because its slot's master could not take it (dead, failing over, slot migrating): on a
     * cluster, has the client read the topology again, at most every {@link #REFRESH_INTERVAL_NANOS} ns, so that the
     * next attempts go to the slot's new master without waiting for Lettuce's own refresh triggers.
     */
    void masterUnavailable() {
        long last = lastRefresh.get();
        long now = System.nanoTime();
        if (sharded && now - last >= REFRESH_INTERVAL_NANOS && lastRefresh.compareAndSet(last, now)) {
            refreshTopology.run();
        }
    }

    /** Whether this connection publishes to shard channels ({@code SPUBLISH}, Redis Cluster). */
    boolean sharded() {
        return sharded;
    }

    /**
     * Publishes {@code payload} to {@code channel}: {@code PUBLISH}, or {@code SPUBLISH} on a cluster.
     *
     * @return a future completed with the receiver count, or failed with a {@link SourceException} naming the
     *     channel
     */
    CompletableFuture<Long> publish(String channel, byte[] payload) {
        return sharded ? run("SPUBLISH to " + channel, c -> c.spublish(channel, payload))
                : run("PUBLISH to " + channel, c -> c.publish(channel, payload));
    }

    /**
     * Runs a command on the connection, opening it first when needed. Never blocks.
     *
     * @param what the command and its topic, for the failure's message ("PUBLISH to news")
     * @param command issues the command
     * @return a future completed on a Lettuce I/O thread with the reply, or failed with a {@link SourceException}
     *     "what on server failed: cause"
     */
    <T> CompletableFuture<T> run(String what, Function<? super C, ? extends CompletionStage<T>> command) {
        CompletableFuture<StatefulConnection<String, byte[]>> after;
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
                issued = after.thenApply(conn -> command.apply(commands.apply(conn)));
                issuedAll = issued.handle((stage, error) -> after.join());
            }
        }
        if (issued == null) { // open, nothing waiting: issued now, outside the lock
            issued = after.thenApply(conn -> command.apply(commands.apply(conn)));
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

    /**
     * Opens the connection now, when it is not open or opening, and returns it (for a source's start).
     *
     * @return the connection, failed with the cause when it cannot be opened
     */
    synchronized CompletableFuture<StatefulConnection<String, byte[]>> open() {
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("closed: " + description));
        }
        if (connection == null || connection.isCompletedExceptionally()) {
            connection = connect();
            issuedAll = connection;
        }
        return connection;
    }

    private CompletableFuture<StatefulConnection<String, byte[]>> connect() {
        try {
            return connector.get().thenApply(c -> c);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Closes the connection (bounded wait); one still being opened is closed as soon as it opens. Idempotent. */
    void close() {
        CompletableFuture<StatefulConnection<String, byte[]>> c;
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
            c.thenAccept(StatefulConnection::closeAsync);
        }
    }
}
