package io.pushline.netty.client;

import io.pushline.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * When and how a {@link PushClient} reconnects: {@link #exponential(Duration, Duration) exponential backoff
 * with full jitter}, or {@link #none() never}. Immutable and thread-safe.
 */
public final class ReconnectPolicy {
    /** The longest {@code max} delay accepted: one day. */
    public static final Duration MAX_DELAY = Duration.ofDays(1);

    /** Exponential backoff with full jitter from 100 ms up to 10 s: the default. */
    public static final ReconnectPolicy DEFAULT = exponential(Duration.ofMillis(100), Duration.ofSeconds(10));

    private static final ReconnectPolicy NONE = new ReconnectPolicy(0, 0);

    private final long baseNanos;
    private final long maxNanos;

    private ReconnectPolicy(long baseNanos, long maxNanos) {
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
    }

    /**
     * Exponential backoff with full jitter: before attempt {@code n} (counted from 0, and from 0 again after
     * each successful connection) the client waits a random time in {@code [0, min(max, base * 2^n)]}, so that
     * many clients that lost the same server do not all come back at once.
     *
     * @param base the ceiling of the first delay; positive
     * @param max the largest ceiling; at least {@code base}, at most {@link #MAX_DELAY}
     * @return the policy
     */
    public static ReconnectPolicy exponential(Duration base, Duration max) {
        Checks.positive(base, "base");
        Objects.requireNonNull(max, "max");
        if (max.compareTo(base) < 0 || max.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "max: " + max + " (expected: " + base + ".." + MAX_DELAY + ")");
        }
        return new ReconnectPolicy(base.toNanos(), max.toNanos());
    }

    /**
     * Never reconnects: a lost connection stays lost until {@link PushClient#connect()} is called again.
     *
     * @return the policy
     */
    public static ReconnectPolicy none() {
        return NONE;
    }

    /**
     * Tells whether the client reconnects.
     *
     * @return {@code false} for {@link #none()}
     */
    public boolean isEnabled() {
        return maxNanos > 0;
    }

    /**
     * Picks the delay before a reconnect attempt.
     *
     * @param attempt the attempt, counted from 0 after each successful connection
     * @return a random delay in {@code [0, min(max, base * 2^attempt)]}
     * @throws IllegalStateException for {@link #none()}
     */
    public Duration delay(int attempt) {
        return delay(attempt, ThreadLocalRandom.current());
    }

    Duration delay(int attempt, RandomGenerator random) {
        if (!isEnabled()) {
            throw new IllegalStateException("reconnecting is off");
        }
        Checks.inRange(attempt, 0, Integer.MAX_VALUE, "attempt");
        return Duration.ofNanos(random.nextLong(ceilingNanos(attempt) + 1));
    }

    /** {@code min(max, base * 2^attempt)}, without overflow. */
    long ceilingNanos(int attempt) {
        if (attempt >= Long.SIZE - 1 || baseNanos > maxNanos >> attempt) {
            return maxNanos;
        }
        return Math.min(maxNanos, baseNanos << attempt);
    }

    /** Describes the policy, for example {@code exponential(PT0.1S..PT10S, full jitter)}. */
    @Override
    public String toString() {
        return isEnabled() ? "exponential(" + Duration.ofNanos(baseNanos) + ".." + Duration.ofNanos(maxNanos)
                + ", full jitter)" : "none";
    }
}
