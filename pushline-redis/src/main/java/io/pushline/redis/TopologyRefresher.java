package io.pushline.redis;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Refreshes a {@link ClusterSubscriber}'s topology on request, coalesced: one refresh at a time, at most one every
 * {@link #MIN_INTERVAL_NANOS} ns; requests made while one runs are served by one more right after it. Results are
 * handed over on the event loop. Only touched on that loop.
 */
final class TopologyRefresher {
    /** The least time between the starts of two refreshes. */
    static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EventLoop loop;
    private final Supplier<CompletableFuture<ClusterTopology>> refresh;
    private final Consumer<ClusterTopology> refreshed;
    private final Logger log;
    private boolean running;
    private boolean again;
    private boolean scheduled;
    private boolean closed;
    private long lastStart = System.nanoTime();

    /**
     * @param refresh asks the cluster for its topology
     * @param refreshed gets each topology that arrived, on the loop
     */
    TopologyRefresher(EventLoop loop, Supplier<CompletableFuture<ClusterTopology>> refresh,
            Consumer<ClusterTopology> refreshed, Logger log) {
        this.loop = loop;
        this.refresh = refresh;
        this.refreshed = refreshed;
        this.log = log;
    }

    /** How long ago the last refresh started. */
    long sinceLastNanos() {
        return System.nanoTime() - lastStart;
    }

    /** Refreshes now, or as soon as the one running or the minimum interval allows. */
    void request() {
        if (closed || scheduled) {
            return;
        }
        if (running) {
            again = true;
            return;
        }
        long now = System.nanoTime();
        long wait = lastStart + MIN_INTERVAL_NANOS - now;
        if (wait > 0) {
            scheduled = true;
            loop.schedule(() -> {
                scheduled = false;
                request();
            }, wait, TimeUnit.NANOSECONDS);
            return;
        }
        running = true;
        lastStart = now;
        CompletableFuture<ClusterTopology> f;
        try {
            f = refresh.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((topology, error) -> {
            try {
                loop.execute(() -> done(topology, error));
            } catch (RejectedExecutionException e) {
                log.debug("topology refresh done after the source closed");
            }
        });
    }

    private void done(ClusterTopology topology, Throwable error) {
        running = false;
        if (closed) {
            return;
        }
        if (error != null) {
            log.debug("Redis Cluster topology refresh failed: {}", Lettuce.unwrap(error).toString());
        } else {
            refreshed.accept(topology);
        }
        if (again) {
            again = false;
            request();
        }
    }

    /** No refresh is started or handed over any more. */
    void close() {
        closed = true;
    }
}
