package io.pushline.nats;

import io.nats.client.Connection;
import io.pushline.SourceException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confirms with one server round trip (a jnats {@code flush}: {@code PING}, then the server's {@code PONG}) that
 * everything the connection sent before a {@link #confirm()} reached the server, which processes a connection's
 * protocol in order: a {@code SUB}, {@code UNSUB} or {@code PUB} sent before it is applied. Confirmations asked for
 * while a flush runs share the next one, so a burst of subscriptions costs a round trip or two, not one each.
 *
 * <p>While the connection is down nothing is flushed: the futures wait, and {@link #reconnected} (after jnats has
 * sent every subscription again) flushes them with the re-subscription. Flushes run on one thread of their own,
 * because jnats's {@code flush} blocks; they never run on a caller's thread. Thread-safe.
 */
final class Confirmations {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);

    private final Duration timeout;
    private final ExecutorService thread;
    private final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>(); // guarded by this
    private Connection connection; // guarded by this
    private boolean running; // guarded by this: a flush loop is queued or running
    private boolean connected; // guarded by this
    private boolean closed; // guarded by this

    Confirmations(String threadName, Duration timeout) {
        this.timeout = timeout;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The connection is open: confirmations may flush from now on. */
    synchronized void connected(Connection c) {
        connection = c;
        connected = true;
        scheduleLocked();
    }

    /** Returns a future completed once the server confirmed everything sent before this call. */
    CompletableFuture<Void> confirm() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                f.completeExceptionally(new SourceException("source is closed"));
                return f;
            }
            pending.add(f);
            scheduleLocked();
        }
        return f;
    }

    /** The connection dropped: confirmations wait for {@link #reconnected}. */
    synchronized void disconnected() {
        connected = false;
    }

    /**
     * The connection is back and jnats has sent every subscription again: returns a future completed once the
     * server confirmed them (and completes every confirmation that waited).
     */
    CompletableFuture<Void> reconnected() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                f.completeExceptionally(new SourceException("source is closed"));
                return f;
            }
            connected = true;
            pending.add(f);
            scheduleLocked();
        }
        return f;
    }

    private void scheduleLocked() {
        if (!running && connected && !closed && !pending.isEmpty()) {
            running = true;
            thread.execute(this::flushLoop);
        }
    }

    private void flushLoop() {
        while (true) {
            List<CompletableFuture<Void>> batch;
            Connection c;
            synchronized (this) {
                if (!connected || closed || pending.isEmpty()) {
                    running = false;
                    return;
                }
                batch = new ArrayList<>(pending);
                pending.clear();
                c = connection;
            }
            Exception failure = null;
            try {
                c.flush(timeout);
            } catch (TimeoutException | RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            }
            if (failure == null) {
                for (CompletableFuture<Void> f : batch) {
                    f.complete(null);
                }
                continue;
            }
            synchronized (this) {
                for (int i = batch.size() - 1; i >= 0; i--) {
                    pending.addFirst(batch.get(i)); // they wait for the next flush, in order
                }
                if (closed || Thread.currentThread().isInterrupted()) {
                    running = false;
                    return;
                }
                if (c.getStatus() != Connection.Status.CONNECTED) {
                    connected = false; // the DISCONNECTED event may still be on its way
                }
            }
            LOG.debug("flush to confirm {} changes failed ({}); they wait for the connection", batch.size(),
                    failure.toString());
        }
    }

    /** Fails every waiting confirmation and stops the flush thread. Idempotent. */
    void close() {
        List<CompletableFuture<Void>> failed;
        synchronized (this) {
            closed = true;
            failed = new ArrayList<>(pending);
            pending.clear();
        }
        for (CompletableFuture<Void> f : failed) {
            f.completeExceptionally(new SourceException("source is closed"));
        }
        thread.shutdownNow();
    }
}
