package io.pushline.redis;

import io.pushline.MessageSource;
import io.pushline.tck.MessageSourceOutageContract;
import io.pushline.test.RedisServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the {@link MessageSource} contract, outages included, against a private {@code redis-server}. */
class RedisMessageSourceContractIT extends MessageSourceOutageContract {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Override
    protected MessageSource newSource() {
        redis.start(); // a test that failed mid-outage left it stopped
        return RedisMessageSource.create(redis.uri());
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        redis.publish(topic, payload);
    }

    @Override
    protected void stopBroker() {
        redis.stop();
    }

    @Override
    protected void startBroker() {
        redis.start();
    }
}
