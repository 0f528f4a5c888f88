package io.pushline.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.Message;
import io.pushline.MessageSource;
import io.pushline.PatternDialect;
import io.pushline.SourceCapabilities;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageSource} contract test (TCK). An implementation extends this class, supplies a fresh source and
 * a way to publish through its broker from outside the source, and passes every test:
 *
 * <pre>{@code
 * class MySourceContractTest extends MessageSourceContract {
 *     protected MessageSource newSource() { return MySource.create(...); }
 *     protected void publishExternally(String topic, byte[] payload) { broker.publish(topic, payload); }
 * }
 * }</pre>
 *
 * <p>The tests come in groups, named by their first word: {@code topics...} (every source), {@code patterns...} and
 * {@code publish...}. A group the source's {@link SourceCapabilities} rule out checks that the source refuses it
 * with an {@link UnsupportedOperationException} instead. Only what the contract promises is assumed: order per
 * topic, never across topics, and no listener call overlapping another about the same topic. Sources whose broker
 * the test can stop and start extend {@link MessageSourceOutageContract} for the reconnection tests.
 *
 * <p>Topics are named {@code tck.<group>.<name>}, valid in every dialect Pushline ships. Each test starts a new
 * source with a {@link RecordingListener} and closes it afterwards.
 */
public abstract class MessageSourceContract {
    /** How long a test waits for an asynchronous result. */
    protected static final Duration TIMEOUT = RecordingListener.TIMEOUT;

    private MessageSource source;
    private RecordingListener recorder;

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

    @BeforeEach
    final void startSource() {
        source = newSource();
        recorder = new RecordingListener();
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

    /**
     * Returns the listener the source under test delivers to.
     *
     * @return the recording listener
     */
    protected final RecordingListener recorder() {
        return recorder;
    }

    private SourceCapabilities capabilities() {
        return source.capabilities();
    }

    // ---- topics: every source

    @Test
    void topicsDeliverMessagesOfASubscribedTopic() throws Exception {
        await(source.subscribe("tck.news"));
        publishExternally("tck.news", bytes("hello"));
        RecordingListener.Received r = recorder.next();
        assertThat(r.pattern()).isNull();
        assertThat(r.message().topic()).isEqualTo("tck.news");
        assertThat(r.message().payload()).isEqualTo(bytes("hello"));
    }

    @Test
    void topicsPassPayloadBytesThroughUnchanged() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        await(source.subscribe("tck.bin"));
        publishExternally("tck.bin", all);
        publishExternally("tck.bin", new byte[0]);
        assertThat(recorder.next().message().payload()).isEqualTo(all);
        assertThat(recorder.next().message().payload()).isEmpty();
    }

    @Test
    void topicsKeepPublishOrderPerTopic() throws Exception {
        await(source.subscribe("tck.order.a"));
        await(source.subscribe("tck.order.b"));
        for (int i = 0; i < 500; i++) {
            publishExternally("tck.order.a", bytes(Integer.toString(i)));
            publishExternally("tck.order.b", bytes(Integer.toString(i)));
        }
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            RecordingListener.Received r = recorder.next();
            (r.message().topic().equals("tck.order.a") ? a : b).add(text(r));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(a).isEqualTo(expected);
        assertThat(b).isEqualTo(expected);
    }

    @Test
    void topicsStopDeliveringAfterUnsubscribe() throws Exception {
        await(source.subscribe("tck.gone"));
        await(source.unsubscribe("tck.gone"));
        publishExternally("tck.gone", bytes("must not arrive"));
        // subscribed again, the next message on the same topic is the marker: order per topic says nothing came
        await(source.subscribe("tck.gone"));
        publishExternally("tck.gone", bytes("marker"));
        assertThat(text(recorder.next())).isEqualTo("marker");
    }

    @Test
    void topicsAreSetsNotCounters() throws Exception {
        await(source.subscribe("tck.twice"));
        await(source.subscribe("tck.twice"));
        publishExternally("tck.twice", bytes("once"));
        publishExternally("tck.twice", bytes("marker"));
        assertThat(text(recorder.next())).isEqualTo("once");
        assertThat(text(recorder.next())).isEqualTo("marker");

        await(source.unsubscribe("tck.twice")); // one unsubscribe ends two subscribes
        publishExternally("tck.twice", bytes("must not arrive"));
        await(source.subscribe("tck.twice"));
        publishExternally("tck.twice", bytes("marker"));
        assertThat(text(recorder.next())).isEqualTo("marker");
    }

    @Test
    void topicsUnsubscribingAnUnknownTopicIsANoOp() throws Exception {
        await(source.unsubscribe("tck.never"));
        await(source.subscribe("tck.after"));
        publishExternally("tck.after", bytes("x"));
        assertThat(recorder.next().message().topic()).isEqualTo("tck.after");
    }

    @Test
    void topicsKeepDeliveringWhenTheListenerThrows() throws Exception {
        recorder.throwOnce();
        await(source.subscribe("tck.throw"));
        publishExternally("tck.throw", bytes("first"));
        publishExternally("tck.throw", bytes("second"));
        assertThat(text(recorder.next())).isEqualTo("second");
    }

    @Test
    void topicsNeverGetOverlappingListenerCallsForOneTopic() throws Exception {
        await(source.subscribe("tck.c.1"));
        if (capabilities().patterns()) {
            await(source.psubscribe(pattern("tck.c.*", "tck.c.?")));
        }
        int perMessage = capabilities().patterns() ? 2 : 1;
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> publishers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                publishers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 100; i++) {
                        publishExternally("tck.c.1", bytes("x"));
                    }
                }, threads));
            }
            for (CompletableFuture<Void> publisher : publishers) {
                await(publisher); // a publisher that failed fails the test with its own exception
            }
        } finally {
            threads.shutdownNow();
        }
        for (int i = 0; i < 400 * perMessage; i++) {
            recorder.next();
        }
        assertThat(recorder.maxOverlapPerTopic()).isEqualTo(1);
    }

    @Test
    void topicsInvalidInTheDialectAreNamedSo() {
        PatternDialect dialect = capabilities().dialect();
        assertThat(dialect.topicProblem("tck.valid")).isNull();
        assertThat(dialect.topicProblem("has space")).isNotNull();
        assertThat(dialect.topicProblem("")).isNotNull();
        assertThat(dialect.name()).isNotBlank();
    }

    @Test
    void topicsStartingTwiceFails() {
        assertThatThrownBy(() -> source.start(recorder)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void topicsCloseIsIdempotentAndLaterCallsFail() {
        source.close();
        source.close();
        assertThat(source.subscribe("tck.closed")).failsWithin(TIMEOUT);
    }

    // ---- patterns: sources whose capabilities have them; the others must refuse them

    @Test
    void patternsDeliverWithPatternAndConcreteTopic() throws Exception {
        if (!capabilities().patterns()) {
            assertUnsupported(source.psubscribe("tck.stock.*"));
            assertUnsupported(source.punsubscribe("tck.stock.*"));
            return;
        }
        await(source.psubscribe("tck.stock.*"));
        publishExternally("tck.stock.ACME", bytes("42"));
        RecordingListener.Received r = recorder.next();
        assertThat(r.pattern()).isEqualTo("tck.stock.*");
        assertThat(r.message().topic()).isEqualTo("tck.stock.ACME");
        assertThat(r.message().payload()).isEqualTo(bytes("42"));
    }

    @Test
    void patternsStopDeliveringAfterPunsubscribe() throws Exception {
        if (!capabilities().patterns()) {
            assertUnsupported(source.psubscribe("tck.p.*"));
            return;
        }
        await(source.psubscribe("tck.p.*"));
        await(source.punsubscribe("tck.p.*"));
        publishExternally("tck.p.x", bytes("must not arrive"));
        await(source.psubscribe("tck.p.*"));
        publishExternally("tck.p.x", bytes("marker"));
        assertThat(text(recorder.next())).isEqualTo("marker");
        await(source.punsubscribe("tck.never.*")); // not subscribed: a no-op
    }

    @Test
    void patternsDeliverOncePerMatchingSubscriptionRightAfterOneAnother() throws Exception {
        if (!capabilities().patterns()) {
            assertUnsupported(source.psubscribe("tck.both.*"));
            return;
        }
        await(source.subscribe("tck.both.x"));
        await(source.psubscribe("tck.both.*"));
        publishExternally("tck.both.x", bytes("x"));
        List<RecordingListener.Received> got = List.of(recorder.next(), recorder.next());
        assertThat(got).extracting(RecordingListener.Received::pattern).containsExactlyInAnyOrder(null, "tck.both.*");
    }

    /** What the source's dialect says matches is what the broker delivers, pattern by pattern, topic by topic. */
    @Test
    void patternsMatchExactlyAsTheDialectSays() throws Exception {
        PatternDialect dialect = capabilities().dialect();
        List<String> candidates = List.of("tck.m.*", "tck.m.?", "tck.m.[ab]", "tck.m.a*", "tck.*.a", "tck.m.>",
                "tck.m.\\*", "tck.m.[^a]");
        List<String> topics = List.of("tck.m.a", "tck.m.b", "tck.m.ab", "tck.m.a.b", "tck.x.a", "tck.m.*x");
        if (!capabilities().patterns()) {
            assertUnsupported(source.psubscribe(candidates.get(0)));
            return;
        }
        List<String> patterns = candidates.stream().filter(p -> dialect.patternProblem(p) == null).toList();
        assertThat(patterns).as("patterns valid in " + dialect.name()).hasSizeGreaterThanOrEqualTo(3);
        for (String p : patterns) {
            await(source.psubscribe(p));
        }
        for (String topic : topics) {
            if (dialect.topicProblem(topic) != null) {
                continue;
            }
            await(source.subscribe(topic));
            publishExternally(topic, bytes("test"));
            publishExternally(topic, bytes("marker"));
            Set<String> delivered = new HashSet<>();
            // per topic in order: every pattern copy of "test" comes before the topic's own "marker"
            for (RecordingListener.Received r = recorder.next(); ; r = recorder.next()) {
                if (r.pattern() == null && text(r).equals("marker")) {
                    break;
                }
                if (r.pattern() != null && text(r).equals("test")) {
                    assertThat(r.message().topic()).isEqualTo(topic);
                    delivered.add(r.pattern());
                }
            }
            Set<String> expected = new HashSet<>();
            for (String p : patterns) {
                if (dialect.matches(p, topic)) {
                    expected.add(p);
                }
            }
            assertThat(delivered).as("patterns delivering " + topic).isEqualTo(expected);
            recorder.clear();
            await(source.unsubscribe(topic));
        }
    }

    // ---- publish: sources whose capabilities have it; the others must refuse it

    @Test
    void publishReachesSubscribers() throws Exception {
        if (!capabilities().publish()) {
            assertUnsupported(source.publish(Message.of("tck.pub", bytes("x"))));
            return;
        }
        await(source.subscribe("tck.pub"));
        await(source.publish(Message.of("tck.pub", bytes("via source"))));
        RecordingListener.Received r = recorder.next();
        assertThat(r.message().topic()).isEqualTo("tck.pub");
        assertThat(r.message().payload()).isEqualTo(bytes("via source"));
    }

    private String pattern(String... candidates) {
        for (String p : candidates) {
            if (capabilities().dialect().patternProblem(p) == null) {
                return p;
            }
        }
        throw new AssertionError("none of " + List.of(candidates) + " is a pattern in " + capabilities().dialect());
    }

    private static void assertUnsupported(CompletableFuture<Void> future) {
        assertThat(future).failsWithin(TIMEOUT).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * Waits for a source future, at most {@link #TIMEOUT}.
     *
     * @param future the future
     * @throws InterruptedException when interrupted
     * @throws ExecutionException when the future failed
     * @throws TimeoutException when it did not complete in time
     */
    protected static void await(CompletableFuture<Void> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Encodes text as UTF-8.
     *
     * @param s the text
     * @return its bytes
     */
    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(RecordingListener.Received r) {
        return new String(r.message().payload(), StandardCharsets.UTF_8);
    }
}
