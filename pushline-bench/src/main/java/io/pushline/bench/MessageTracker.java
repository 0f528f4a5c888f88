package io.pushline.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/** Per message: how many clients got it and when the last one did (latency from its publish stamp). */
final class MessageTracker {
    private final AtomicIntegerArray received;
    private final AtomicLongArray slowest;

    MessageTracker(int messages) {
        received = new AtomicIntegerArray(messages);
        slowest = new AtomicLongArray(messages);
    }

    void delivered(long seq, long latencyNanos) {
        if (seq >= received.length()) {
            return;
        }
        int i = (int) seq;
        received.incrementAndGet(i);
        long prev;
        while (latencyNanos > (prev = slowest.get(i))) {
            if (slowest.compareAndSet(i, prev, latencyNanos)) {
                break;
            }
        }
    }

    /** For each of the first {@code published} messages that all {@code clients} received: time to the last one. */
    Histogram timeToLastClient(long published, int clients) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        for (int i = 0; i < Math.min(published, received.length()); i++) {
            if (received.get(i) >= clients) {
                h.recordValue(Math.min(slowest.get(i), TimeUnit.SECONDS.toNanos(120)));
            }
        }
        return h;
    }
}
