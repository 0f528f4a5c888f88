package io.pushline.spring.boot;

import io.pushline.netty.PushServer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link PushlineHealthIndicator} (contributor {@code pushline}) for the context's {@link PushServer},
 * the auto-configured one or your own, when Boot's health support ({@code spring-boot-health}, which the Actuator
 * starter brings) is present. Switch it off with {@code management.health.pushline.enabled=false}.
 */
@AutoConfiguration(after = PushlineAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, PushServer.class})
@ConditionalOnEnabledHealthIndicator("pushline")
@ConditionalOnSingleCandidate(PushServer.class)
public class PushlineHealthAutoConfiguration {
    /** Created by Spring. */
    public PushlineHealthAutoConfiguration() {
    }

    /**
     * The health indicator.
     *
     * @param server the context's push server
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "pushlineHealthIndicator")
    public PushlineHealthIndicator pushlineHealthIndicator(PushServer server) {
        return new PushlineHealthIndicator(server);
    }
}
