package io.pushline.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.pushline.micrometer.PushlineMetrics;
import io.pushline.netty.PushServer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the context's {@link PushServer}'s metrics ({@code pushline.*} meters, see {@link PushlineMetrics}) to
 * Boot's {@link MeterRegistry}: it declares a {@link PushlineMetrics} binder bean, which Boot's metrics support binds
 * to every registry it manages. Active when {@code io.pushline:pushline-micrometer} is on the class path.
 */
@AutoConfiguration(after = PushlineAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, PushlineMetrics.class, PushServer.class})
@ConditionalOnSingleCandidate(PushServer.class)
public class PushlineMetricsAutoConfiguration {
    /** Created by Spring. */
    public PushlineMetricsAutoConfiguration() {
    }

    /**
     * The binder.
     *
     * @param server the context's push server
     * @return a binder reading the server's metrics whenever the registry polls
     */
    @Bean
    @ConditionalOnMissingBean
    public PushlineMetrics pushlineMetrics(PushServer server) {
        return PushlineMetrics.of(server::metrics);
    }
}
