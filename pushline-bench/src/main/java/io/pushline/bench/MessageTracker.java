package io.pushline.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Per message: how many clients got it and when the last one did (latency from its publish stamp). Each reading
 * thread records into its own {@link Part} (plain arrays, no sharing): with one shared atomic counter per message,
 * two reader threads that read the same messages at the same moment (a server that keeps every client current)
 * paid for the cache line bouncing between them on every delivery, a cost a server that delivers with seconds of
 * spread between clients did not make them pay.
 */
final class MessageTracker {
    private final int messages;
    private final Map<Object, Part> parts = new ConcurrentHashMap<>();

    MessageTracker(int messages) {
        this.messages = messages;
    }

    /** The part that {@code owner} (one reading thread's key, e.g. its event loop) alone records into. */
    Part part(Object owner) {
        return parts.computeIfAbsent(owner, o -> new Part(messages));
    }

    /**
     * For each of the first {@code published} messages that all {@code clients} received: time to the last one.
     * Called after the readers counted those deliveries (their count is what makes their records visible here).
     */
    Histogram timeToLastClient(long published, int clients) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        for (int i = 0; i < Math.min(published, messages); i++) {
            int received = 0;
            long slowest = 0;
            for (Part p : parts.values()) {
                received += p.received[i];
                slowest = Math.max(slowest, p.slowest[i]);
            }
            if (received >= clients) {
                h.recordValue(Math.min(slowest, TimeUnit.SECONDS.toNanos(120)));
            }
        }
        return h;
    }

    /** One reading thread's records. */
    static final class Part {
        private final int[] received;
        private final long[] slowest;

        private Part(int messages) {
            received = new int[messages];
            slowest = new long[messages];
        }

        /** Only on the thread that owns this part. */
        void delivered(long seq, long latencyNanos) {
            if (seq >= received.length) {
                return;
            }
            int i = (int) seq;
            received[i]++;
            if (latencyNanos > slowest[i]) {
                slowest[i] = latencyNanos;
            }
        }
    }
}
