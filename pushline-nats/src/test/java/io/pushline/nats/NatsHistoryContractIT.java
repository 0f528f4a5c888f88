package io.pushline.nats;

import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.MessageSource;
import io.pushline.tck.MessageSourceHistoryContract;
import io.pushline.test.NatsServerExtension;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the {@link MessageSource} contract with its history group against a private {@code nats-server -js}: history
 * for the {@code tck.h.} topics in JetStream, published through the source; a lost history is a deleted stream.
 */
class NatsHistoryContractIT extends MessageSourceHistoryContract {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    private static final HistoryOptions HISTORY = HistoryOptions.builder().size(50)
            .topics(t -> t.startsWith("tck.h.")).build();
    private static NatsTestClient outside;

    @AfterAll
    static void closeOutside() {
        if (outside != null) {
            outside.close();
        }
    }

    @Override
    protected MessageSource newSource() {
        if (outside == null) {
            outside = new NatsTestClient(nats.url());
        }
        return NatsMessageSource.create(nats.url(), HISTORY);
    }

    @Override
    protected int historySize() {
        return HISTORY.size();
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        outside.publish(topic, payload);
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
        outside.deleteHistory(topic);
    }
}
