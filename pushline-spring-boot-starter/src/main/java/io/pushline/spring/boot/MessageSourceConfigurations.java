package io.pushline.spring.boot;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.redis.RedisMessageSource;
import io.lettuce.core.RedisURI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.type.MethodMetadata;

/**
 * The message source the starter creates when the context has no {@link MessageSource} bean, imported in this
 * order: Redis when {@link RedisCondition} holds, else in-memory. Either is a bean, named {@value #BEAN}, so that
 * the application can inject it (to publish to the in-memory one, say). The server owns it: it closes it right
 * after its clients, without unsubscribing topic by topic first; Spring's {@code close()} at the end is then a
 * no-op, and still closes it when the server never started.
 */
final class MessageSourceConfigurations {
    /** The name of the source bean the starter creates. */
    static final String BEAN = "pushlineMessageSource";

    private static final Logger LOG = LoggerFactory.getLogger(MessageSourceConfigurations.class);

    private MessageSourceConfigurations() {
    }

    /** Tells whether {@code source} is the bean one of these configurations created (not the application's). */
    static boolean createdHere(ConfigurableListableBeanFactory beans, MessageSource source) {
        if (!beans.containsBeanDefinition(BEAN)
                || !(beans.getBeanDefinition(BEAN) instanceof AnnotatedBeanDefinition definition)) {
            return false;
        }
        MethodMetadata factory = definition.getFactoryMethodMetadata();
        return factory != null && factory.getDeclaringClassName().startsWith(MessageSourceConfigurations.class.getName())
                && beans.getBean(BEAN) == source;
    }

    /** A {@link RedisMessageSource} from {@code spring.data.redis.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.pushline.redis.RedisMessageSource")
    @ConditionalOnMissingBean(MessageSource.class)
    @Conditional(RedisCondition.class)
    static class RedisSource {
        @Bean(BEAN)
        RedisMessageSource pushlineMessageSource(PushlineProperties properties, Environment environment) {
            SpringDataRedis settings = SpringDataRedis.bind(environment);
            RedisURI uri = settings.toRedisUri();
            HistoryOptions history = ServerSettings.history(properties.history());
            RedisMessageSource source = history == null ? RedisMessageSource.create(uri)
                    : RedisMessageSource.create(uri, history);
            LOG.debug("Pushline source: {} from spring.data.redis.*{}", source,
                    history == null ? "" : ", with " + history);
            return source;
        }
    }

    /** An {@link InMemoryMessageSource}: the application publishes to it. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(MessageSource.class)
    static class InMemorySource {
        @Bean(BEAN)
        InMemoryMessageSource pushlineMessageSource(PushlineProperties properties, Environment environment) {
            if (properties.source() == PushlineProperties.SourceKind.REDIS) {
                throw new PushlinePropertyException("pushline.source=redis needs io.pushline:pushline-redis on the "
                        + "class path");
            }
            if (properties.source() == PushlineProperties.SourceKind.AUTO
                    && RedisCondition.redisConfigured(environment)) {
                LOG.warn("spring.data.redis.* is set but io.pushline:pushline-redis is not on the class path: "
                        + "Pushline relays the in-memory source (add pushline-redis, or set "
                        + "pushline.source=in-memory to silence this)");
            }
            HistoryOptions history = ServerSettings.history(properties.history());
            LOG.debug("Pushline source: in-memory{}", history == null ? "" : ", with " + history);
            return history == null ? InMemoryMessageSource.create() : InMemoryMessageSource.withHistory(history);
        }
    }

    /**
     * Holds for {@code pushline.source=redis}, and for {@code auto} (the default) when any
     * {@code spring.data.redis.*} property is set: the application chose Redis through Boot's own settings.
     */
    static final class RedisCondition extends SpringBootCondition {
        private static final ConfigurationPropertyName REDIS = ConfigurationPropertyName.of(SpringDataRedis.PREFIX);

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment environment = context.getEnvironment();
            PushlineProperties.SourceKind kind = Binder.get(environment)
                    .bind("pushline.source", PushlineProperties.SourceKind.class)
                    .orElse(PushlineProperties.SourceKind.AUTO);
            return switch (kind) {
                case REDIS -> ConditionOutcome.match("pushline.source=redis");
                case IN_MEMORY -> ConditionOutcome.noMatch("pushline.source=in-memory");
                case AUTO -> redisConfigured(environment)
                        ? ConditionOutcome.match("pushline.source=auto and spring.data.redis.* is set")
                        : ConditionOutcome.noMatch("pushline.source=auto and no spring.data.redis.* is set");
            };
        }

        static boolean redisConfigured(Environment environment) {
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
                if (source.getConfigurationProperty(REDIS) != null
                        || source.containsDescendantOf(REDIS) == ConfigurationPropertyState.PRESENT) {
                    return true;
                }
            }
            return false;
        }
    }
}
