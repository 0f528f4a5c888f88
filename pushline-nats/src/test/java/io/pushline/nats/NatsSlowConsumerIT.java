package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A listener that stalls while a burst arrives: what jnats drops past the pending limits is reported as shed. */
class NatsSlowConsumerIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void aBurstPastThePendingLimitsIsReportedAsShedNeverSilent() throws Exception {
        NatsMessageSource source = closer.add(NatsMessageSource.builder().url(nats.url())
                .pendingLimits(100, 1024 * 1024).build());
        RecordingListener listener = new RecordingListener();
        CountDownLatch gate = new CountDownLatch(1);
        listener.gate = gate; // the first message blocks the dispatcher until the burst is over
        source.start(listener);
        source.subscribe("burst").get(10, TimeUnit.SECONDS);
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        int burst = 5_000;
        byte[] payload = new byte[100];
        for (int i = 0; i < burst; i++) {
            outside.connection().publish("burst", payload);
        }
        outside.flush();
        await().atMost(RecordingListener.TIMEOUT).until(() -> listener.shed.get() > 0);
        gate.countDown();
        await().atMost(RecordingListener.TIMEOUT)
                .until(() -> listener.messages.size() + listener.shed.get() == burst);
        assertThat(listener.shed.get()).as("shed").isGreaterThanOrEqualTo(burst - 101L);
        assertThat(listener.messages).as("delivered: at most the pending limit and the one in hand").hasSizeBetween(1,
                101);
        assertThat(source.state().isUp()).isTrue();
    }
}
