package io.pushline.redis;

import io.pushline.MessageSource;
import io.pushline.test.MessageSourceContract;
import io.pushline.test.RedisServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the {@link MessageSource} contract against a private {@code redis-server}. */
class RedisMessageSourceContractIT extends MessageSourceContract {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Override
    protected MessageSource newSource() {
        return RedisMessageSource.create(redis.uri());
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        redis.publish(topic, payload);
    }
}
