package io.pushline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/** The jar carries the metadata IDEs complete {@code pushline.*} from, each property described, with its default. */
class ConfigurationMetadataTest {
    @Test
    void describesEveryProperty() throws IOException {
        Map<String, ConfigurationMetadataProperty> properties;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            properties = ConfigurationMetadataRepositoryJsonBuilder.create(in).build().getAllProperties();
        }
        assertThat(properties).containsOnlyKeys("pushline.enabled", "pushline.port", "pushline.host",
                "pushline.protocol", "pushline.framing", "pushline.max-frame-length", "pushline.default-topics",
                "pushline.allow-publish", "pushline.source", "pushline.await-source", "pushline.event-loop-threads",
                "pushline.native-transport", "pushline.limits.max-queued", "pushline.limits.soft-queued",
                "pushline.limits.soft-queued-for", "pushline.limits.slow-consumer-policy",
                "pushline.limits.max-connections", "pushline.limits.max-connections-per-address",
                "pushline.limits.max-topics", "pushline.limits.max-patterns", "pushline.limits.rate-limit",
                "pushline.limits.byte-rate-limit", "pushline.limits.rate-policy", "pushline.timeouts.heartbeat",
                "pushline.timeouts.idle", "pushline.timeouts.frame", "pushline.timeouts.auth",
                "pushline.timeouts.broker", "pushline.timeouts.shutdown", "pushline.tls.certificate",
                "pushline.tls.private-key", "pushline.tls.client-ca", "pushline.tls.provider",
                "pushline.history.enabled", "pushline.history.size", "pushline.history.ttl",
                "pushline.history.meta-ttl", "pushline.history.max-replay-messages",
                "pushline.history.max-replay-bytes", "pushline.websocket.port", "pushline.websocket.path",
                "pushline.websocket.allowed-origins", "pushline.websocket.allow-any-origin",
                "pushline.websocket.compression", "pushline.websocket.handshake-timeout",
                "pushline.websocket.javascript-client", "management.health.pushline.enabled");
        assertThat(properties.values()).allSatisfy(p -> assertThat(p.getDescription()).as(p.getId())
                .matches("[A-Z].*\\.").doesNotContain("@param"));
        assertThat(properties.get("pushline.port").getDefaultValue()).isEqualTo(5567);
        assertThat(properties.get("pushline.max-frame-length").getDefaultValue()).isEqualTo("64KB");
        assertThat(properties.get("pushline.timeouts.shutdown").getDefaultValue()).isEqualTo("5s");
        assertThat(properties.get("pushline.source").getDefaultValue()).isEqualTo("auto");
        assertThat(properties.get("pushline.await-source").getDefaultValue()).isEqualTo(false);
        assertThat(properties.get("pushline.websocket.path").getDefaultValue()).isEqualTo("/ws");
    }
}
