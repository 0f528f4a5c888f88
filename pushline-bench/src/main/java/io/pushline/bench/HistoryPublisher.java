package io.pushline.bench;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.redis.RedisPublisher;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes with positions: through {@link RedisPublisher} with history on every topic, so each message runs the
 * history script (next offset, appended to the topic's stream, published in an envelope). Same payloads and pacing
 * as {@link Publisher}.
 */
final class HistoryPublisher implements LoadPublisher {
    private final RedisPublisher publisher;
    private final AtomicLong receivers = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    HistoryPublisher(String uri) {
        publisher = RedisPublisher.create(RedisURI.create(uri), HistoryOptions.defaults());
    }

    @Override
    public long run(String channel, int size, double rate, double seconds, int window) throws IOException {
        if (size < Publisher.MIN_SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + Publisher.MIN_SIZE + " bytes");
        }
        Semaphore outstanding = new Semaphore(window);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long seq = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            long due = rate <= 0 ? Long.MAX_VALUE : (long) ((now - start) / 1e9 * rate) + 1;
            if (seq >= due) {
                long next = start + (long) (seq / rate * 1e9);
                LockSupport.parkNanos(Math.max(10_000, next - System.nanoTime()));
                continue;
            }
            if (!outstanding.tryAcquire()) {
                LockSupport.parkNanos(20_000); // the window is full: Redis is behind
                continue;
            }
            byte[] payload = new byte[size]; // owned by the publish until it completes
            Arrays.fill(payload, (byte) 'x');
            Publisher.stamp(payload, seq++, System.nanoTime());
            publisher.publish(channel, payload).whenComplete((n, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else {
                    receivers.addAndGet(n);
                }
                outstanding.release();
            });
            check();
        }
        try {
            if (!outstanding.tryAcquire(window, 60, TimeUnit.SECONDS)) {
                throw new IOException("publishes not acknowledged after 60 s");
            }
            outstanding.release(window);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        check();
        return seq;
    }

    private void check() throws IOException {
        Throwable t = failure.get();
        if (t != null) {
            throw new IOException("publish failed: " + t, t);
        }
    }

    @Override
    public long receivers() {
        return receivers.get();
    }

    @Override
    public void close() {
        publisher.close();
    }
}
