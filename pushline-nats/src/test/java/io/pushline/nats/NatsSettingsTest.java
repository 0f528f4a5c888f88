package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.ErrorListener;
import io.nats.client.Options;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The jnats options a source gets: safe defaults, the caller's changes, and descriptions without secrets. */
class NatsSettingsTest {
    private static final ErrorListener NONE = new ErrorListener() {
    };

    @Test
    void reconnectsForeverWithBoundedJitteredDelays() {
        NatsSettings s = new NatsSettings();
        Options o = s.options("test", NONE);
        assertThat(o.getMaxReconnect()).isEqualTo(-1);
        assertThat(o.getPingInterval()).isEqualTo(Duration.ofSeconds(2));
        for (long attempt = 0; attempt < 100; attempt++) {
            Duration d = o.getReconnectDelayHandler().getWaitTime(attempt);
            assertThat(d).isBetween(Duration.ZERO, NatsMessageSource.DEFAULT_RECONNECT_DELAY_MAX);
            if (attempt >= 10) {
                assertThat(d).as("equal jitter: at least half the cap").isGreaterThanOrEqualTo(
                        NatsMessageSource.DEFAULT_RECONNECT_DELAY_MAX.dividedBy(2));
            }
        }
        assertThat(o.getReconnectDelayHandler().getWaitTime(0)).isLessThanOrEqualTo(
                NatsMessageSource.DEFAULT_RECONNECT_DELAY_MIN);
    }

    @Test
    void theCallersChangesApplyAfterTheDefaults() {
        NatsSettings s = new NatsSettings();
        s.customizer = b -> b.maxReconnects(3).connectionName("mine");
        Options o = s.options("test", NONE);
        assertThat(o.getMaxReconnect()).isEqualTo(3);
        assertThat(o.getConnectionName()).isEqualTo("mine");
    }

    @Test
    void descriptionsNeverCarryCredentials() {
        assertThat(NatsSettings.describe("nats://user:s3cret@host:4223,tls://t0ken@other"))
                .isEqualTo("nats://host:4223,tls://other:4222").doesNotContain("s3cret", "t0ken", "user");
        assertThat(NatsMessageSource.create("nats://u:s3cret@127.0.0.1:1").toString()).doesNotContain("s3cret");
    }

    @Test
    void badSettingsAreRefused() {
        NatsSettings s = new NatsSettings();
        assertThatThrownBy(() -> s.url("nats://a:1,,nats://b:2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.pendingLimits(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.replicas(6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
