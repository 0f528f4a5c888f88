package io.pushline.redis;

import java.util.concurrent.TimeUnit;

/**
 * How far behind Redis the subscriber is, and whether Redis still answers. Every {@link #PROBE_MILLIS} ms a PING is
 * sent; Redis answers it after everything it had queued for the subscriber, so the bytes read until the answer are
 * at least how far behind the subscriber is. Past {@link #SHED_BYTES} the subscriber skips messages, undecoded,
 * until the answer arrives, rather than let Redis cut it off at {@code client-output-buffer-limit pubsub}
 * (32 MB by default). While a PING is outstanding and nothing at all arrives for {@link #STALL_NANOS}, Redis is
 * stalled (stopped, or the path is dead); after {@link #DEAD_NANOS} the connection is given up. Only touched on the
 * connection's event loop; one per connection.
 */
final class LagProbe {
    /**
     * How far behind Redis the connection may fall before it skips messages. While the connection is behind, the
     * messages it still decodes let Redis's buffer grow, so the bound is kept low: at 8 MiB a cold JVM under a
     * full-speed publisher was still cut off in 3 of 6 starts, at 2 MiB in 1 of 6 (BENCHMARKS.md).
     */
    static final long SHED_BYTES = 2L * 1024 * 1024;
    /** How often the probe is sent. */
    static final long PROBE_MILLIS = 100;
    /**
     * How long Redis may send nothing at all while a probe is outstanding before the connection counts as stalled
     * (reported {@link io.pushline.SourceState#DOWN}): 2 s. A Redis that is only busy, or far ahead of us, still
     * sends bytes; a stopped process or a dead network path sends none.
     */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * How long a stalled connection is kept before it is closed and a new one made: 15 s (a frozen Redis that wakes
     * up within it still holds our subscriptions and the messages queued for us; a dead path never answers). Also
     * how long a new connection may take to answer its first PING or AUTH.
     */
    static final long DEAD_NANOS = TimeUnit.SECONDS.toNanos(15);

    /** What the connection should do after a {@link #tick(long)}. */
    enum Action {
        /** Nothing. */
        NONE,
        /** Send a probe (a PING) and count it as outstanding. */
        PROBE,
        /** Report the connection stalled, once. */
        STALLED,
        /** Close the connection: Redis has been silent too long. */
        DEAD
    }

    private boolean outstanding;
    private long bytesBehind;
    private boolean shedding;
    private long shed;
    private long lastReadNanos = System.nanoTime();
    private boolean stalled;

    /**
     * Bytes arrived: Redis is alive.
     *
     * @return whether the connection was stalled until now
     */
    boolean onRead(long nowNanos) {
        lastReadNanos = nowNanos;
        boolean was = stalled;
        stalled = false;
        return was;
    }

    /** One value of {@code size} bytes was read. */
    void onValue(int size) {
        if (outstanding) {
            bytesBehind += size;
            shedding = bytesBehind > SHED_BYTES;
        }
    }

    /** Whether messages are being skipped now. */
    boolean shedding() {
        return shedding;
    }

    /** A message was skipped. */
    void countShed() {
        shed++;
    }

    /** What to do now (called every {@link #PROBE_MILLIS} ms). */
    Action tick(long nowNanos) {
        if (!outstanding) {
            outstanding = true;
            bytesBehind = 0;
            return Action.PROBE;
        }
        long silent = nowNanos - lastReadNanos;
        if (silent > DEAD_NANOS) {
            return Action.DEAD;
        }
        if (silent > STALL_NANOS && !stalled) {
            stalled = true;
            return Action.STALLED;
        }
        return Action.NONE;
    }

    /** How long Redis has been silent. */
    long silentNanos(long nowNanos) {
        return nowNanos - lastReadNanos;
    }

    /**
     * The probe was answered: the connection has caught up.
     *
     * @return how many messages were skipped since the last report
     */
    long answered() {
        outstanding = false;
        shedding = false;
        long count = shed;
        shed = 0;
        return count;
    }
}
