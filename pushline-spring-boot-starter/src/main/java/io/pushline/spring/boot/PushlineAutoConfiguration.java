package io.pushline.spring.boot;

import io.pushline.Authenticator;
import io.pushline.ClientFrameHandler;
import io.pushline.MessageSource;
import io.pushline.PushListener;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.PushServer;
import io.pushline.netty.PushServerBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Auto-configures a {@link PushServer} from the {@code pushline.*} properties ({@link PushlineProperties}) and the
 * context's beans, unless the context declares a {@link PushServer} of its own or {@code pushline.enabled=false}.
 *
 * <ul>
 *   <li><b>Source</b>: the context's {@link MessageSource} bean; without one the starter declares one: a
 *       {@code RedisMessageSource} from Boot's {@code spring.data.redis.*} settings when {@code pushline-redis} is
 *       on the class path and any such property is set (or {@code pushline.source=redis}), else an
 *       {@code InMemoryMessageSource} (or with {@code pushline.source=in-memory}). The server closes the source
 *       the starter created, right after its clients (Spring's later {@code close()} then does nothing); a
 *       {@link MessageSource} bean of the application's is closed by Spring, after the server.</li>
 *   <li><b>Beans used when present</b> (one of each): {@link Authenticator}, {@link TopicAuthorizer},
 *       {@link PushListener}, {@link ClientFrameHandler}; then every {@link PushServerBuilderCustomizer}.</li>
 *   <li><b>Lifecycle</b>: a {@link PushServerLifecycle} starts the server once the context is refreshed and
 *       closes it gracefully in Boot's graceful-shutdown phase.</li>
 * </ul>
 *
 * <p>{@link PushlineHealthAutoConfiguration} and {@link PushlineMetricsAutoConfiguration} add health and meters.
 */
@AutoConfiguration
@ConditionalOnClass(PushServer.class)
@ConditionalOnBooleanProperty(name = "pushline.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PushlineProperties.class)
@Import(PushlineAutoConfiguration.ServerConfiguration.class)
public class PushlineAutoConfiguration {
    /** Created by Spring. */
    public PushlineAutoConfiguration() {
    }

    /**
     * The server, its lifecycle and (unless the context has a {@link MessageSource}) its source, in that order of
     * preference: Redis, then in-memory. None of them when the context has a {@link PushServer} of its own.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(PushServer.class)
    @Import({MessageSourceConfigurations.RedisSource.class, MessageSourceConfigurations.InMemorySource.class})
    static class ServerConfiguration {
        @Bean(destroyMethod = "close")
        PushServer pushServer(PushlineProperties properties, MessageSource source,
                ObjectProvider<Authenticator> authenticator, ObjectProvider<TopicAuthorizer> authorizer,
                ObjectProvider<PushListener> listener, ObjectProvider<ClientFrameHandler> frameHandler,
                ObjectProvider<PushServerBuilderCustomizer> customizers, ConfigurableListableBeanFactory beans) {
            PushServerBuilder builder = ServerSettings.apply(properties, PushServer.builder())
                    .source(source).closeSource(MessageSourceConfigurations.createdHere(beans, source));
            authenticator.ifAvailable(builder::authenticator);
            authorizer.ifAvailable(builder::authorizer);
            listener.ifAvailable(builder::listener);
            frameHandler.ifAvailable(builder::onClientFrame);
            customizers.orderedStream().forEach(c -> c.customize(builder));
            try {
                return builder.build();
            } catch (IllegalStateException e) {
                throw new PushlinePropertyException("pushline.timeouts: " + e.getMessage(), e);
            }
        }

        @Bean
        PushServerLifecycle pushServerLifecycle(PushServer pushServer) {
            return new PushServerLifecycle(pushServer);
        }
    }
}
