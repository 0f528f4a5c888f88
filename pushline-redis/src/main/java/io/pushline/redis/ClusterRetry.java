package io.pushline.redis;

import io.lettuce.core.RedisConnectionException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Retries a command of a {@link RedisClusterMessageSource} or a cluster {@link RedisPublisher} while its slot's
 * master fails over or the slot migrates (and has the client read the topology again when a master is unavailable):
 * up to {@link #ATTEMPTS} attempts, {@link #FIRST_DELAY_MILLIS} ms apart and doubling (about 1.5 s in all). Reads
 * are retried on any failure (they change nothing a second run would change again); publishes only when Redis
 * certainly did not run them, so that a retry never publishes a message twice. Stateless.
 */
final class ClusterRetry {
    /** The most attempts, the first included. */
    static final int ATTEMPTS = 6;
    /** The delay before the second attempt; each later one doubles it. */
    static final long FIRST_DELAY_MILLIS = 50;
    /** Replies of a node that did not run the command: the slot is migrating or the shard has no master now. */
    private static final List<String> NOT_RUN = List.of("TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "LOADING");

    private ClusterRetry() {
    }

    /**
     * Runs {@code command}, and again after any failure, while attempts remain and the source is not closed; after a
     * failure that shows the slot's master unavailable, {@code connection} reads the topology again.
     */
    static <T> CompletableFuture<T> always(Supplier<CompletableFuture<T>> command, PublishConnection<?> connection,
            BooleanSupplier closed) {
        return attempt(command, connection, closed, 1, e -> true);
    }

    /** Runs {@code command}, and again only after a failure that shows Redis did not run it. */
    static <T> CompletableFuture<T> ifNotRun(Supplier<CompletableFuture<T>> command, PublishConnection<?> connection,
            BooleanSupplier closed) {
        return attempt(command, connection, closed, 1, ClusterRetry::notRun);
    }

    /** Whether a failure shows the command never ran: refused before running it, or never sent. */
    static boolean notRun(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof RedisConnectionException || message.startsWith("Currently not connected")) {
                return true;
            }
            for (String reply : NOT_RUN) {
                if (message.startsWith(reply + " ") || message.equals(reply)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> command,
            PublishConnection<?> connection, BooleanSupplier closed, int attempt,
            java.util.function.Predicate<Throwable> retryable) {
        return command.get().handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = Lettuce.unwrap(error);
            if (notRun(cause)) {
                connection.masterUnavailable();
            }
            if (attempt >= ATTEMPTS || closed.getAsBoolean() || !retryable.test(cause)) {
                return CompletableFuture.<T>failedFuture(cause);
            }
            long delay = FIRST_DELAY_MILLIS << (attempt - 1);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> attempt(command, connection, closed, attempt + 1, retryable));
        }).thenCompose(f -> f);
    }
}
