package io.pushline.tck;

import io.pushline.InMemoryMessageSource;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.PatternDialect;
import io.pushline.SourceCapabilities;
import java.util.concurrent.CompletableFuture;

/**
 * A source without patterns or publishing (as Redis sharded Pub/Sub is) passes the contract by refusing them: the
 * capability-gated groups check the refusal. Built by wrapping the in-memory source.
 */
class TopicsOnlySourceContractTest extends MessageSourceContract {
    @Override
    protected MessageSource newSource() {
        return new TopicsOnly();
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        ((TopicsOnly) source()).bus.publish(topic, payload).join();
    }

    /** Topics only: patterns and publishing fall back to the interface's refusing defaults. */
    private static final class TopicsOnly implements MessageSource {
        final InMemoryMessageSource bus = InMemoryMessageSource.create();

        @Override
        public SourceCapabilities capabilities() {
            return SourceCapabilities.builder(PatternDialect.redisGlob()).build();
        }

        @Override
        public void start(MessageListener listener) {
            bus.start(listener);
        }

        @Override
        public CompletableFuture<Void> subscribe(String topic) {
            return bus.subscribe(topic);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String topic) {
            return bus.unsubscribe(topic);
        }

        @Override
        public void close() {
            bus.close();
        }
    }
}
