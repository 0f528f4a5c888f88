package io.pushline.redis;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.MessageSource;
import io.pushline.tck.MessageSourceHistoryContract;
import io.pushline.tck.MessageSourceOutageContract;
import io.pushline.test.RedisClusterExtension;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the {@link MessageSource} contract against {@link RedisClusterMessageSource} on a private Redis Cluster of 3
 * masters with a replica each, one cluster for both groups: topics, publishing and a whole-cluster outage (every
 * node stopped and started again), patterns refused (sharded Pub/Sub has none); and history, published through the
 * source (the script ending in {@code SPUBLISH}).
 */
class RedisClusterContractIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private static final HistoryOptions HISTORY = HistoryOptions.builder().size(50)
            .topics(t -> t.startsWith("tck.h.")).build();

    /** Topics, publishing and outages. */
    @Nested
    class Contract extends MessageSourceOutageContract {
        @Override
        protected MessageSource newSource() {
            cluster.heal(); // a test that failed mid-outage left nodes stopped
            return RedisClusterMessageSource.create(cluster.uris());
        }

        @Override
        protected void publishExternally(String topic, byte[] payload) {
            cluster.spublish(topic, payload);
        }

        @Override
        protected void stopBroker() {
            cluster.stopAll();
        }

        @Override
        protected void startBroker() {
            cluster.startAll();
        }
    }

    /** History in the topic's slot. */
    @Nested
    class History extends MessageSourceHistoryContract {
        @Override
        protected MessageSource newSource() {
            cluster.heal();
            List<RedisURI> seeds = cluster.seeds().stream().map(RedisURI::create).toList();
            return RedisClusterMessageSource.create(seeds, HISTORY);
        }

        @Override
        protected int historySize() {
            return HISTORY.size();
        }

        @Override
        protected void publishExternally(String topic, byte[] payload) {
            cluster.spublish(topic, payload);
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
            cluster.masterOf(RedisKeys.meta(topic)).command("DEL", RedisKeys.meta(topic), RedisKeys.stream(topic));
        }
    }
}
