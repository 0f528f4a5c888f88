package io.pushline.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageSource} contract test (TCK). Every implementation extends this class, supplies a fresh source
 * and a way to publish through its broker from outside the source, and passes every test:
 *
 * <pre>{@code
 * class MySourceContractTest extends MessageSourceContract {
 *     protected MessageSource newSource() { return MySource.create(...); }
 *     protected void publishExternally(String topic, byte[] payload) { broker.publish(topic, payload); }
 * }
 * }</pre>
 *
 * <p>Each test starts a new source with a recording listener and closes it afterwards.
 */
public abstract class MessageSourceContract {
    /** How long a test waits for an asynchronous result. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(10);

    private MessageSource source;
    private Recorder recorder;

    /** Creates the contract test. */
    protected MessageSourceContract() {
    }

    /**
     * Creates a new, unstarted source connected to the test's broker.
     *
     * @return the source
     */
    protected abstract MessageSource newSource();

    /**
     * Publishes a message through the broker by a path other than the source under test (for example a separate
     * broker connection). Returns once the broker accepted it.
     *
     * @param topic the topic
     * @param payload the payload
     */
    protected abstract void publishExternally(String topic, byte[] payload);

    /**
     * Tells whether the source implements {@link MessageSource#publish(Message)}. Defaults to {@code true}.
     *
     * @return whether publishing is supported
     */
    protected boolean supportsPublish() {
        return true;
    }

    @BeforeEach
    final void startSource() {
        source = newSource();
        recorder = new Recorder();
        source.start(recorder);
    }

    @AfterEach
    final void closeSource() {
        source.close();
    }

    /**
     * Returns the source under test (started).
     *
     * @return the source
     */
    protected final MessageSource source() {
        return source;
    }

    @Test
    void deliversMessagesOfASubscribedTopic() throws Exception {
        await(source.subscribe("tck.news"));
        publishExternally("tck.news", bytes("hello"));
        Received r = recorder.next();
        assertThat(r.pattern).isNull();
        assertThat(r.message.topic()).isEqualTo("tck.news");
        assertThat(r.message.payload()).isEqualTo(bytes("hello"));
    }

    @Test
    void passesPayloadBytesThroughUnchanged() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        await(source.subscribe("tck.bin"));
        publishExternally("tck.bin", all);
        publishExternally("tck.bin", new byte[0]);
        assertThat(recorder.next().message.payload()).isEqualTo(all);
        assertThat(recorder.next().message.payload()).isEmpty();
    }

    @Test
    void preservesPublishOrderPerTopic() throws Exception {
        await(source.subscribe("tck.order"));
        for (int i = 0; i < 1_000; i++) {
            publishExternally("tck.order", bytes(Integer.toString(i)));
        }
        for (int i = 0; i < 1_000; i++) {
            assertThat(new String(recorder.next().message.payload(), StandardCharsets.UTF_8))
                    .isEqualTo(Integer.toString(i));
        }
    }

    @Test
    void stopsDeliveringAfterUnsubscribe() throws Exception {
        await(source.subscribe("tck.gone"));
        await(source.subscribe("tck.marker"));
        await(source.unsubscribe("tck.gone"));
        publishExternally("tck.gone", bytes("must not arrive"));
        publishExternally("tck.marker", bytes("marker"));
        Received r = recorder.next();
        assertThat(r.message.topic()).isEqualTo("tck.marker");
        assertThat(recorder.queue).isEmpty();
    }

    @Test
    void subscriptionsAreSetsNotCounters() throws Exception {
        await(source.subscribe("tck.twice"));
        await(source.subscribe("tck.twice"));
        await(source.subscribe("tck.marker"));
        publishExternally("tck.twice", bytes("once"));
        publishExternally("tck.marker", bytes("marker"));
        assertThat(recorder.next().message.topic()).isEqualTo("tck.twice");
        assertThat(recorder.next().message.topic()).isEqualTo("tck.marker");

        await(source.unsubscribe("tck.twice"));
        publishExternally("tck.twice", bytes("must not arrive"));
        publishExternally("tck.marker", bytes("marker"));
        assertThat(recorder.next().message.topic()).isEqualTo("tck.marker");
        assertThat(recorder.queue).isEmpty();
    }

    @Test
    void unsubscribingAnUnknownTopicIsANoOp() throws Exception {
        await(source.unsubscribe("tck.never"));
        await(source.punsubscribe("tck.never.*"));
        await(source.subscribe("tck.after"));
        publishExternally("tck.after", bytes("x"));
        assertThat(recorder.next().message.topic()).isEqualTo("tck.after");
    }

    @Test
    void deliversPatternMessagesWithPatternAndConcreteTopic() throws Exception {
        await(source.psubscribe("tck.stock.*"));
        publishExternally("tck.stock.ACME", bytes("42"));
        Received r = recorder.next();
        assertThat(r.pattern).isEqualTo("tck.stock.*");
        assertThat(r.message.topic()).isEqualTo("tck.stock.ACME");
        assertThat(r.message.payload()).isEqualTo(bytes("42"));
    }

    @Test
    void stopsDeliveringPatternMessagesAfterPunsubscribe() throws Exception {
        await(source.psubscribe("tck.p.*"));
        await(source.subscribe("tck.marker"));
        await(source.punsubscribe("tck.p.*"));
        publishExternally("tck.p.x", bytes("must not arrive"));
        publishExternally("tck.marker", bytes("marker"));
        assertThat(recorder.next().message.topic()).isEqualTo("tck.marker");
        assertThat(recorder.queue).isEmpty();
    }

    @Test
    void deliversOncePerMatchingSubscription() throws Exception {
        await(source.subscribe("tck.both"));
        await(source.psubscribe("tck.b*"));
        publishExternally("tck.both", bytes("x"));
        List<Received> got = List.of(recorder.next(), recorder.next());
        assertThat(got).extracting(r -> r.pattern).containsExactlyInAnyOrder(null, "tck.b*");
    }

    @Test
    void keepsDeliveringWhenTheListenerThrows() throws Exception {
        recorder.throwOnce.set(true);
        await(source.subscribe("tck.throw"));
        publishExternally("tck.throw", bytes("first"));
        publishExternally("tck.throw", bytes("second"));
        assertThat(recorder.next().message.payload()).isEqualTo(bytes("second"));
    }

    @Test
    void neverCallsTheListenerConcurrently() throws Exception {
        await(source.subscribe("tck.c1"));
        await(source.psubscribe("tck.c*"));
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    publishExternally("tck.c1", bytes("x"));
                }
            });
            publishers.add(thread);
            thread.start();
        }
        for (Thread thread : publishers) {
            thread.join(TIMEOUT.toMillis());
        }
        for (int i = 0; i < 800; i++) {
            recorder.next();
        }
        assertThat(recorder.maxConcurrency.get()).isEqualTo(1);
    }

    @Test
    void startingTwiceFails() {
        assertThatThrownBy(() -> source.start(recorder)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        source.close();
        source.close();
        assertThat(source.subscribe("tck.closed")).failsWithin(TIMEOUT);
    }

    @Test
    void publishReachesSubscribersWhenSupported() throws Exception {
        if (!supportsPublish()) {
            assertThat(source.publish(Message.of("tck.pub", bytes("x")))).failsWithin(TIMEOUT)
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(UnsupportedOperationException.class);
            return;
        }
        await(source.subscribe("tck.pub"));
        await(source.publish(Message.of("tck.pub", bytes("via source"))));
        Received r = recorder.next();
        assertThat(r.message.topic()).isEqualTo("tck.pub");
        assertThat(r.message.payload()).isEqualTo(bytes("via source"));
    }

    private static void await(CompletableFuture<Void> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class Received {
        final String pattern;
        final Message message;

        Received(String pattern, Message message) {
            this.pattern = pattern;
            this.message = message;
        }
    }

    private static final class Recorder implements MessageListener {
        final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxConcurrency = new AtomicInteger();
        final AtomicBoolean throwOnce = new AtomicBoolean();

        @Override
        public void onMessage(Message message) {
            record(null, message);
        }

        @Override
        public void onPatternMessage(String pattern, Message message) {
            record(pattern, message);
        }

        private void record(String pattern, Message message) {
            int now = inFlight.incrementAndGet();
            maxConcurrency.accumulateAndGet(now, Math::max);
            try {
                if (throwOnce.compareAndSet(true, false)) {
                    throw new IllegalStateException("listener failure injected by the contract test");
                }
                queue.add(new Received(pattern, message));
            } finally {
                inFlight.decrementAndGet();
            }
        }

        Received next() throws InterruptedException {
            Received r = queue.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) {
                throw new AssertionError("no message within " + TIMEOUT);
            }
            return r;
        }
    }
}
