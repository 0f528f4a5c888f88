package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exponential backoff with full jitter, driven by seeded random generators. */
class ReconnectPolicyTest {
    private static final Duration BASE = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(10);

    @Test
    void everyDelayLiesBetweenZeroAndTheCappedExponentialCeiling() {
        ReconnectPolicy policy = ReconnectPolicy.exponential(BASE, MAX);
        Random random = new Random(42);
        for (int attempt = 0; attempt < 40; attempt++) {
            long ceiling = Math.min(MAX.toNanos(), BASE.toNanos() * (1L << Math.min(attempt, 20)));
            assertThat(policy.ceilingNanos(attempt)).as("ceiling of attempt %d", attempt).isEqualTo(ceiling);
            for (int i = 0; i < 200; i++) {
                assertThat(policy.delay(attempt, random).toNanos()).isBetween(0L, ceiling);
            }
        }
        assertThat(policy.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(MAX.toNanos());
        assertThat(policy.delay(Integer.MAX_VALUE)).isBetween(Duration.ZERO, MAX);
    }

    @Test
    void delaysSpreadOverTheWholeRangeInsteadOfClustering() {
        ReconnectPolicy policy = ReconnectPolicy.exponential(BASE, MAX);
        Random random = new Random(7);
        long ceiling = policy.ceilingNanos(5); // 3.2 s
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long d = policy.delay(5, random).toNanos();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isLessThan(ceiling / 10);
        assertThat(max).isGreaterThan(ceiling - ceiling / 10);
    }

    @Test
    void clientsWithDifferentRandomnessDoNotReconnectInLockstep() {
        ReconnectPolicy policy = ReconnectPolicy.DEFAULT;
        List<List<Duration>> schedules = new ArrayList<>();
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            List<Duration> schedule = new ArrayList<>();
            for (int attempt = 0; attempt < 8; attempt++) {
                schedule.add(policy.delay(attempt, random));
            }
            schedules.add(schedule);
        }
        assertThat(schedules).doesNotHaveDuplicates();
        for (int attempt = 0; attempt < 8; attempt++) {
            int a = attempt;
            assertThat(schedules.stream().map(s -> s.get(a)).distinct().count())
                    .as("distinct delays before attempt %d", attempt).isGreaterThan(1);
        }
    }

    @Test
    void theSameSeedGivesTheSameSchedule() {
        ReconnectPolicy policy = ReconnectPolicy.exponential(Duration.ofMillis(10), Duration.ofSeconds(1));
        Random a = new Random(3);
        Random b = new Random(3);
        for (int attempt = 0; attempt < 10; attempt++) {
            assertThat(policy.delay(attempt, a)).isEqualTo(policy.delay(attempt, b));
        }
    }

    @Test
    void argumentsAreChecked() {
        assertThatThrownBy(() -> ReconnectPolicy.exponential(Duration.ZERO, MAX))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("base: PT0S (expected: > 0)");
        assertThatThrownBy(() -> ReconnectPolicy.exponential(MAX, BASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max: PT0.1S (expected: PT10S..PT24H)");
        assertThatThrownBy(() -> ReconnectPolicy.exponential(BASE, Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReconnectPolicy.DEFAULT.delay(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReconnectPolicy.none().delay(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void describesItself() {
        assertThat(ReconnectPolicy.none().isEnabled()).isFalse();
        assertThat(ReconnectPolicy.DEFAULT.isEnabled()).isTrue();
        assertThat(ReconnectPolicy.DEFAULT).hasToString("exponential(PT0.1S..PT10S, full jitter)");
        assertThat(ReconnectPolicy.none()).hasToString("none");
    }
}
