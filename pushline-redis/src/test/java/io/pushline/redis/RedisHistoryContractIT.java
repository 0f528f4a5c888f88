package io.pushline.redis;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.MessageSource;
import io.pushline.tck.MessageSourceHistoryContract;
import io.pushline.test.RedisServerExtension;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the {@link MessageSource} contract with its history group against a private {@code redis-server}: history
 * for the {@code tck.h.} topics, published through the source (the history script).
 */
class RedisHistoryContractIT extends MessageSourceHistoryContract {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final HistoryOptions HISTORY = HistoryOptions.builder().size(50)
            .topics(t -> t.startsWith("tck.h.")).build();

    @Override
    protected MessageSource newSource() {
        return RedisMessageSource.create(RedisURI.create(redis.uri()), HISTORY);
    }

    @Override
    protected int historySize() {
        return HISTORY.size();
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        redis.publish(topic, payload);
    }

    @Override
    protected void publishWithPosition(String topic, byte[] payload) {
        try {
            source().publish(Message.of(topic, payload)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("publishing to " + topic + " failed", e);
        }
    }

    @Override
    protected void loseHistory(String topic) {
        redis.command("DEL", RedisKeys.meta(topic), RedisKeys.stream(topic));
    }
}
