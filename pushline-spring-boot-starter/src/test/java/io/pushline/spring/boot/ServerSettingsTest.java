package io.pushline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.Framing;
import io.pushline.HistoryOptions;
import io.pushline.Protocol;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTimeouts;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Every {@code pushline.*} property reaches the library's option objects; bad values are named. */
class ServerSettingsTest {
    /** Binds {@code key=value} pairs as Boot would, relaxed names and conversions included. */
    static PushlineProperties bind(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            map.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new Binder(new MapConfigurationPropertySource(map)).bindOrCreate("pushline", PushlineProperties.class);
    }

    @Test
    void defaultsAreTheLibrarys() {
        PushlineProperties p = bind();
        assertThat(p.enabled()).isTrue();
        assertThat(p.port()).isEqualTo(5567);
        assertThat(p.host()).isNull();
        assertThat(p.protocol()).isEqualTo(Protocol.RAW);
        assertThat(p.defaultTopics()).isEmpty();
        assertThat(p.allowPublish()).isFalse();
        assertThat(p.source()).isEqualTo(PushlineProperties.SourceKind.AUTO);
        assertThat(ServerSettings.framing(p)).isEqualTo(Framing.lines());
        ServerLimits limits = ServerSettings.limits(p);
        ServerLimits defaults = ServerLimits.DEFAULT;
        assertThat(limits.maxQueuedBytes()).isEqualTo(defaults.maxQueuedBytes());
        assertThat(limits.softQueuedBytes()).isEqualTo(defaults.softQueuedBytes());
        assertThat(limits.softQueuedDuration()).isEqualTo(defaults.softQueuedDuration());
        assertThat(limits.slowConsumerPolicy()).isEqualTo(defaults.slowConsumerPolicy());
        assertThat(limits.maxConnections()).isEqualTo(defaults.maxConnections());
        assertThat(limits.maxConnectionsPerAddress()).isEqualTo(defaults.maxConnectionsPerAddress());
        assertThat(limits.inboundRateLimit()).isEqualTo(defaults.inboundRateLimit());
        assertThat(limits.inboundByteRateLimit()).isEqualTo(defaults.inboundByteRateLimit());
        assertThat(limits.inboundRatePolicy()).isEqualTo(defaults.inboundRatePolicy());
        assertThat(limits.maxTopicsPerConnection()).isEqualTo(defaults.maxTopicsPerConnection());
        assertThat(limits.maxPatternsPerConnection()).isEqualTo(defaults.maxPatternsPerConnection());
        assertThat(limits.maxReplayMessages()).isEqualTo(defaults.maxReplayMessages());
        assertThat(limits.maxReplayBytes()).isEqualTo(defaults.maxReplayBytes());
        ServerTimeouts timeouts = ServerSettings.timeouts(p);
        ServerTimeouts tDefaults = ServerTimeouts.DEFAULT;
        assertThat(timeouts.heartbeatInterval()).isEqualTo(tDefaults.heartbeatInterval());
        assertThat(timeouts.idleTimeout(Protocol.COMMANDS)).isEqualTo(tDefaults.idleTimeout(Protocol.COMMANDS));
        assertThat(timeouts.idleTimeout(Protocol.RAW)).isEmpty();
        assertThat(timeouts.frameTimeout()).isEqualTo(tDefaults.frameTimeout());
        assertThat(timeouts.authTimeout()).isEqualTo(tDefaults.authTimeout());
        assertThat(timeouts.brokerTimeout()).isEqualTo(tDefaults.brokerTimeout());
        assertThat(timeouts.shutdownTimeout()).isEqualTo(tDefaults.shutdownTimeout());
        assertThat(ServerSettings.tls(p.tls())).isNull();
        assertThat(ServerSettings.history(p.history())).isNull();
    }

    @Test
    void historyDefaultsAreTheLibrarys() {
        HistoryOptions options = ServerSettings.history(bind("pushline.history.enabled=true").history());
        assertThat(options.size()).isEqualTo(HistoryOptions.DEFAULT_SIZE);
        assertThat(options.ttl()).isEqualTo(HistoryOptions.DEFAULT_TTL);
        assertThat(options.metaTtl()).isEqualTo(HistoryOptions.DEFAULT_META_TTL);
    }

    @Test
    void everyPropertyMaps() {
        PushlineProperties p = bind("pushline.enabled=false", "pushline.port=7001", "pushline.host=127.0.0.1",
                "pushline.protocol=commands", "pushline.framing=length-prefixed", "pushline.max-frame-length=1MB",
                "pushline.default-topics=a,b", "pushline.allow-publish=true", "pushline.source=in-memory",
                "pushline.event-loop-threads=3", "pushline.native-transport=false",
                "pushline.limits.max-queued=256KB", "pushline.limits.soft-queued=64KB",
                "pushline.limits.soft-queued-for=3s", "pushline.limits.slow-consumer-policy=drop",
                "pushline.limits.max-connections=500", "pushline.limits.max-connections-per-address=50",
                "pushline.limits.max-topics=10", "pushline.limits.max-patterns=0", "pushline.limits.rate-limit=100",
                "pushline.limits.byte-rate-limit=64KB", "pushline.limits.rate-policy=disconnect",
                "pushline.timeouts.heartbeat=5s", "pushline.timeouts.idle=20s", "pushline.timeouts.frame=2s",
                "pushline.timeouts.auth=3s", "pushline.timeouts.broker=4s", "pushline.timeouts.shutdown=6s",
                "pushline.history.enabled=true", "pushline.history.size=50", "pushline.history.ttl=2m",
                "pushline.history.meta-ttl=1h", "pushline.history.max-replay-messages=20",
                "pushline.history.max-replay-bytes=8KB");
        assertThat(p.enabled()).isFalse();
        assertThat(p.port()).isEqualTo(7001);
        assertThat(p.host()).isEqualTo("127.0.0.1");
        assertThat(p.protocol()).isEqualTo(Protocol.COMMANDS);
        assertThat(p.defaultTopics()).containsExactly("a", "b");
        assertThat(p.allowPublish()).isTrue();
        assertThat(p.source()).isEqualTo(PushlineProperties.SourceKind.IN_MEMORY);
        assertThat(p.eventLoopThreads()).isEqualTo(3);
        assertThat(p.nativeTransport()).isFalse();
        assertThat(ServerSettings.framing(p)).isEqualTo(Framing.lengthPrefixed(1024 * 1024));

        ServerLimits limits = ServerSettings.limits(p);
        assertThat(limits.maxQueuedBytes()).isEqualTo(256 * 1024);
        assertThat(limits.softQueuedBytes()).isEqualTo(64 * 1024);
        assertThat(limits.softQueuedDuration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(limits.slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP);
        assertThat(limits.maxConnections()).isEqualTo(500);
        assertThat(limits.maxConnectionsPerAddress()).isEqualTo(50);
        assertThat(limits.maxTopicsPerConnection()).isEqualTo(10);
        assertThat(limits.maxPatternsPerConnection()).isZero();
        assertThat(limits.inboundRateLimit()).isEqualTo(100);
        assertThat(limits.inboundByteRateLimit()).isEqualTo(64 * 1024);
        assertThat(limits.inboundRatePolicy()).isEqualTo(RateLimitPolicy.DISCONNECT);
        assertThat(limits.maxReplayMessages()).isEqualTo(20);
        assertThat(limits.maxReplayBytes()).isEqualTo(8 * 1024);

        ServerTimeouts timeouts = ServerSettings.timeouts(p);
        assertThat(timeouts.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(timeouts.idleTimeout(Protocol.COMMANDS)).contains(Duration.ofSeconds(20));
        assertThat(timeouts.idleTimeout(Protocol.RAW)).contains(Duration.ofSeconds(20));
        assertThat(timeouts.frameTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(timeouts.authTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(timeouts.brokerTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(timeouts.shutdownTimeout()).isEqualTo(Duration.ofSeconds(6));

        HistoryOptions history = ServerSettings.history(p.history());
        assertThat(history.size()).isEqualTo(50);
        assertThat(history.ttl()).isEqualTo(Duration.ofMinutes(2));
        assertThat(history.metaTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void sizesAcceptPlainBytes() {
        PushlineProperties p = bind("pushline.max-frame-length=1000", "pushline.limits.max-queued=2048");
        assertThat(ServerSettings.framing(p).maxFrameLength()).isEqualTo(1000);
        assertThat(ServerSettings.limits(p).maxQueuedBytes()).isEqualTo(2048);
    }

    @Test
    void badValuesNameTheProperty() {
        assertThatThrownBy(() -> ServerSettings.limits(bind("pushline.limits.max-topics=0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pushline.limits.max-topics/max-patterns=0/64 is invalid: topics: 0 (expected: > 0)");
        assertThatThrownBy(() -> ServerSettings.framing(bind("pushline.max-frame-length=17MB")))
                .hasMessageStartingWith("pushline.max-frame-length=17825792B is invalid: ");
        assertThatThrownBy(() -> ServerSettings.limits(bind("pushline.limits.max-queued=4GB")))
                .hasMessage("pushline.limits.max-queued=4294967296B is invalid: at most 2147483647 bytes");
        assertThatThrownBy(() -> ServerSettings.timeouts(bind("pushline.timeouts.heartbeat=0s")))
                .hasMessage("pushline.timeouts.heartbeat=PT0S is invalid: heartbeatInterval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> ServerSettings.history(bind("pushline.history.enabled=true",
                "pushline.history.size=0").history()))
                .hasMessage("pushline.history.size=0 is invalid: size: 0 (expected: > 0)");
    }

    @Test
    void tlsNeedsCertificateAndKeyTogether() {
        assertThatThrownBy(() -> ServerSettings.tls(bind("pushline.tls.certificate=/tmp/cert.pem").tls()))
                .hasMessage("TLS needs both pushline.tls.certificate and pushline.tls.private-key");
        assertThatThrownBy(() -> ServerSettings.tls(bind("pushline.tls.client-ca=/tmp/ca.pem").tls()))
                .hasMessage("pushline.tls.client-ca needs pushline.tls.certificate and pushline.tls.private-key");
        assertThatThrownBy(() -> ServerSettings.tls(bind("pushline.tls.certificate=/nonexistent/cert.pem",
                "pushline.tls.private-key=/nonexistent/key.pem").tls()))
                .hasMessageStartingWith("pushline.tls=/nonexistent/cert.pem is invalid: tls: cannot load");
    }
}
