package io.pushline.spring.boot;

import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports a {@link PushServer}'s health as the Actuator contributor {@code pushline}: {@code UP} while its source
 * reaches the broker ({@link SourceState#UP}, or {@link SourceState#DEGRADED}: part of the topics flow, and taking
 * the instance out of service would not help them), {@code DOWN} when the source is {@link SourceState#DOWN}. The
 * details are {@code source} (the source's state) and {@code connections} (open client connections). Thread-safe;
 * reading it costs two volatile reads.
 */
public final class PushlineHealthIndicator implements HealthIndicator {
    private final PushServer server;

    /**
     * Creates the indicator.
     *
     * @param server the server to report on
     */
    public PushlineHealthIndicator(PushServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    /**
     * Reads the source's state and the connection count.
     *
     * @return {@code UP} or {@code DOWN}, with the details
     */
    @Override
    public Health health() {
        SourceState state = server.sourceState();
        return (state.isUp() ? Health.up() : Health.down())
                .withDetail("source", state.name())
                .withDetail("connections", server.connectionCount())
                .build();
    }
}
