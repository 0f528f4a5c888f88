package io.pushline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.SourceCapabilities;
import io.pushline.SourceState;
import io.pushline.micrometer.PushlineMetrics;
import io.pushline.netty.PushServer;
import io.pushline.test.TcpTestClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The health indicator follows the source's state; the meters reach Boot's registry. */
class PushlineHealthAndMetricsTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class,
                    PushlineHealthAutoConfiguration.class, PushlineMetricsAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1");

    @Test
    void healthIsUpOrDownWithTheSourceAndCountsConnections() {
        runner.withUserConfiguration(SwitchableSourceConfig.class).run(context -> {
            HealthIndicator indicator = context.getBean("pushlineHealthIndicator", HealthIndicator.class);
            SwitchableSource source = context.getBean(SwitchableSource.class);
            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("source", "UP").containsEntry("connections", 0);

            try (TcpTestClient client = new TcpTestClient(context.getBean(PushServer.class).port())) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> indicator.health().getDetails().get("connections").equals(1));
                assertThat(client.socket().isConnected()).isTrue();
                source.state = SourceState.DEGRADED;
                assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                assertThat(indicator.health().getDetails()).containsEntry("source", "DEGRADED");
                source.state = SourceState.DOWN;
                Health down = indicator.health();
                assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                assertThat(down.getDetails()).containsEntry("source", "DOWN").containsEntry("connections", 1);
            }
        });
    }

    @Test
    void healthCoversTheApplicationsOwnServer() {
        runner.withUserConfiguration(OwnServerConfig.class).run(context ->
                assertThat(context).hasSingleBean(PushlineHealthIndicator.class)
                        .hasSingleBean(PushlineMetrics.class));
    }

    @Test
    void healthCanBeSwitchedOffOrBeAbsent() {
        runner.withPropertyValues("management.health.pushline.enabled=false").run(context ->
                assertThat(context).hasSingleBean(PushServer.class).doesNotHaveBean(PushlineHealthIndicator.class));
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class)).run(context ->
                assertThat(context).hasSingleBean(PushServer.class).doesNotHaveBean(PushlineHealthIndicator.class));
    }

    @Test
    void metersAreBoundToBootsRegistry() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("pushline.connections").gauge().value()).isZero();
                    assertThat(registry.get("pushline.source.up").gauge().value()).isEqualTo(1.0);
                    try (TcpTestClient client = new TcpTestClient(context.getBean(PushServer.class).port())) {
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> registry.get("pushline.connections").gauge().value() == 1.0);
                        assertThat(client.socket().isConnected()).isTrue();
                        assertThat(registry.get("pushline.connections.opened").functionCounter().count())
                                .isEqualTo(1.0);
                    }
                });
    }

    @Test
    void noMetersWithoutTheBinderModule() {
        runner.withClassLoader(new FilteredClassLoader(PushlineMetrics.class)).run(context ->
                assertThat(context).hasSingleBean(PushServer.class).doesNotHaveBean(PushlineMetrics.class));
    }

    /** A source whose state the test sets. */
    static final class SwitchableSource implements MessageSource {
        private final InMemoryMessageSource delegate = InMemoryMessageSource.create();
        volatile SourceState state = SourceState.UP;

        @Override
        public SourceCapabilities capabilities() {
            return delegate.capabilities();
        }

        @Override
        public void start(MessageListener listener) {
            delegate.start(listener);
        }

        @Override
        public CompletableFuture<Void> subscribe(String topic) {
            return delegate.subscribe(topic);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String topic) {
            return delegate.unsubscribe(topic);
        }

        @Override
        public SourceState state() {
            return state;
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SwitchableSourceConfig {
        @Bean
        SwitchableSource source() {
            return new SwitchableSource();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnServerConfig {
        @Bean(destroyMethod = "close")
        PushServer myServer() {
            return PushServer.builder().port(0).build();
        }
    }
}
