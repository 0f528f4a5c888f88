package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lag probe's decisions, on a clock the test moves. */
class LagProbeTest {
    private static final long MS = 1_000_000L;

    @Test
    void shedsPastTheBoundUntilTheProbeIsAnswered() {
        LagProbe lag = new LagProbe();
        lag.onValue(10 * 1024 * 1024); // no probe outstanding: nothing is known yet
        assertThat(lag.shedding()).isFalse();
        assertThat(lag.tick(0)).isEqualTo(LagProbe.Action.PROBE);
        lag.onValue((int) LagProbe.SHED_BYTES);
        assertThat(lag.shedding()).isFalse();
        lag.onValue(1);
        assertThat(lag.shedding()).isTrue();
        lag.countShed();
        lag.countShed();
        assertThat(lag.answered()).isEqualTo(2);
        assertThat(lag.shedding()).isFalse();
        assertThat(lag.answered()).as("reported once").isZero();
    }

    @Test
    void aSilentRedisIsStalledThenDeadButBytesRevive() {
        LagProbe lag = new LagProbe();
        long t0 = System.nanoTime();
        lag.onRead(t0);
        assertThat(lag.tick(t0)).isEqualTo(LagProbe.Action.PROBE);
        assertThat(lag.tick(t0 + 100 * MS)).isEqualTo(LagProbe.Action.NONE);
        assertThat(lag.tick(t0 + LagProbe.STALL_NANOS + MS)).isEqualTo(LagProbe.Action.STALLED);
        assertThat(lag.tick(t0 + LagProbe.STALL_NANOS + 2 * MS)).as("reported once").isEqualTo(LagProbe.Action.NONE);
        assertThat(lag.onRead(t0 + LagProbe.STALL_NANOS + 3 * MS)).as("it answers again").isTrue();
        assertThat(lag.onRead(t0 + LagProbe.STALL_NANOS + 4 * MS)).isFalse();
        long later = t0 + LagProbe.STALL_NANOS + 4 * MS;
        assertThat(lag.tick(later + LagProbe.DEAD_NANOS + MS)).isEqualTo(LagProbe.Action.DEAD);
    }

    @Test
    void aBusyRedisThatKeepsSendingIsNeverStalled() {
        LagProbe lag = new LagProbe();
        long t = System.nanoTime();
        assertThat(lag.tick(t)).isEqualTo(LagProbe.Action.PROBE);
        for (int i = 0; i < 1_000; i++) { // 100 s of a probe outstanding, bytes arriving all along
            t += 100 * MS;
            lag.onRead(t);
            assertThat(lag.tick(t)).isEqualTo(LagProbe.Action.NONE);
        }
    }
}
