package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.client.PushClient.State;
import io.pushline.test.CloseAfterEach;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PushClient} resuming by itself against a real {@link PushServer} on the in-memory source with history,
 * over real sockets: connections cut by the server or reset under the client while a publisher runs, history
 * forgotten or out of reach, positions carried into a new client, and messages dropped by the DROP policy.
 */
class PushClientResumeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** 4 KiB: a few thousand fill the socket buffers and the small outbound limits of the slow-client tests. */
    private static final byte[] PAYLOAD = "x".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10),
            Duration.ofMillis(100));

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private InMemoryMessageSource source;
    /** The server's event loops: the default (one per core) unless a test sets it. */
    private int serverLoops = Runtime.getRuntime().availableProcessors();

    private PushServer start(HistoryOptions history, ServerLimits limits) {
        source = InMemoryMessageSource.withHistory(history);
        return closer.add(PushServer.builder().source(source).host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .eventLoopThreads(serverLoops).limits(limits).timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1)))
                .build().start());
    }

    private PushServer start() {
        return start(HistoryOptions.builder().size(10_000).topics(t -> t.startsWith("h.")).build(),
                ServerLimits.builder().maxReplay(10_000, 8 * 1024 * 1024).build());
    }

    /** What one client received and heard, recorded from its event loop. */
    private static final class Sink {
        final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> resumes = new CopyOnWriteArrayList<>();
        final List<Message> notices = new CopyOnWriteArrayList<>();

        void accept(Message m) {
            if (m.topic().startsWith("$")) {
                notices.add(m);
            } else {
                messages.add(m);
            }
        }

        PushClientBuilder attach(PushClientBuilder builder) {
            return builder.onMessage(this::accept).onResume(new ResumeListener() {
                @Override
                public void recovered(String topic, int count) {
                    resumes.add("recovered " + topic + " " + count);
                }

                @Override
                public void lost(String topic) {
                    resumes.add("lost " + topic);
                }
            });
        }

        int size() {
            return messages.size();
        }

        List<Long> offsets() {
            synchronized (messages) {
                return messages.stream().map(m -> m.position().offset()).toList();
            }
        }

        List<String> texts() {
            synchronized (messages) {
                return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
            }
        }

        long lostCount() {
            return resumes.stream().filter(r -> r.startsWith("lost")).count();
        }
    }

    private PushClient connect(PushServer server, Sink sink, ReconnectPolicy policy) {
        return connect(sink.attach(PushClient.builder().host("127.0.0.1").port(server.port()).reconnectPolicy(policy)));
    }

    private PushClient connect(PushClientBuilder builder) {
        PushClient client = closer.add(builder.build());
        get(client.connect());
        return client;
    }

    private static <T> T get(CompletableFuture<T> future) {
        return future.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private void publish(String topic, String payload) {
        source.publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    private void publish(String topic, int from, int to) {
        for (int i = from; i <= to; i++) {
            publish(topic, "m" + i);
        }
    }

    /** Every offset from 1 to {@code n}, each once, in order: the whole topic since the first subscription. */
    private static void assertEveryMessageOnceInOrder(Sink sink, int n) {
        List<Long> offsets = sink.offsets();
        assertThat(offsets).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(offsets.get(i)).as("offset of message %d of %d", i + 1, n).isEqualTo(i + 1L);
        }
        assertThat(sink.messages.stream().map(m -> m.position().epoch()).distinct()).hasSize(1);
    }

    /** Cuts the client's connection: by the server's host API, or by resetting the client's socket. */
    private static void cut(PushServer server, PushClient client, boolean byServer) {
        Channel ch = client.currentChannel();
        if (ch == null) {
            return; // reconnecting
        }
        if (byServer) {
            for (Client c : server.clients()) {
                if (c.remoteAddress().equals(ch.localAddress())) {
                    c.disconnect("cut by the test");
                }
            }
        } else {
            ch.config().setOption(ChannelOption.SO_LINGER, 0); // close sends a reset
            ch.close();
        }
    }

    /** Publishes {@code perTick} messages every 10 ms until stopped; returns how many were published. */
    private static final class Publisher implements AutoCloseable {
        final AtomicInteger published = new AtomicInteger();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        Publisher(InMemoryMessageSource source, String topic, int perTick) {
            timer.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perTick; i++) {
                    int n = published.incrementAndGet();
                    // a full dispatch queue leaves the message in history: the server repairs the gap
                    source.publish(topic, ("m" + n).getBytes(StandardCharsets.UTF_8));
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
        }

        ScheduledExecutorService timer() {
            return timer;
        }

        int stop() throws InterruptedException {
            timer.shutdown();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            return published.get();
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private void resumesAfterCuts(boolean byServer) throws Exception {
        PushServer server = start();
        Sink sink = new Sink();
        AtomicInteger connections = new AtomicInteger();
        PushClient client = connect(sink.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                .reconnectPolicy(FAST).onStateChange(s -> {
                    if (s == State.CONNECTED) {
                        connections.incrementAndGet();
                    }
                })));
        get(client.subscribe("h.cut"));
        Publisher publisher = closer.add(new Publisher(source, "h.cut", 5));
        for (int cut = 1; cut <= 5; cut++) {
            int seen = sink.size();
            await().atMost(TIMEOUT).until(() -> sink.size() > seen + 50);
            cut(server, client, byServer);
            int expected = cut + 1;
            await().atMost(TIMEOUT).until(() -> connections.get() == expected);
        }
        int published = publisher.stop();
        await().atMost(TIMEOUT).until(() -> sink.size() >= published);
        assertEveryMessageOnceInOrder(sink, published);
        assertThat(sink.resumes).as("one resume per reconnect, nothing lost").hasSize(5)
                .allMatch(r -> r.startsWith("recovered h.cut "));
        assertThat(client.positions()).containsEntry("h.cut", sink.messages.get(published - 1).position());
    }

    @Test
    void resumesAfterTheServerDisconnectsItWhilePublishing() throws Exception {
        resumesAfterCuts(true);
    }

    @Test
    void resumesAfterItsSocketIsResetWhilePublishing() throws Exception {
        resumesAfterCuts(false);
    }

    @Test
    void twentyClientsCutAtRandomMomentsEachGetEveryMessageOnceInOrder() throws Exception {
        PushServer server = start();
        int clients = 20;
        List<Sink> sinks = new ArrayList<>();
        List<PushClient> pushClients = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Sink sink = new Sink();
            PushClient client = connect(server, sink, FAST);
            get(client.subscribe("h.load"));
            sinks.add(sink);
            pushClients.add(client);
        }
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Publisher publisher = closer.add(new Publisher(source, "h.load", 10)); // about 1,000 a second
        AtomicInteger cuts = new AtomicInteger();
        for (int i = 0; i < clients * 3; i++) {
            PushClient victim = pushClients.get(random.nextInt(clients));
            boolean byServer = random.nextBoolean();
            publisher.timer().schedule(() -> {
                cut(server, victim, byServer);
                cuts.incrementAndGet();
            }, random.nextInt(3_500), TimeUnit.MILLISECONDS);
        }
        await().atMost(TIMEOUT).until(() -> cuts.get() == clients * 3 && publisher.published.get() >= 4_000);
        int published = publisher.stop();
        for (int i = 0; i < clients; i++) {
            Sink sink = sinks.get(i);
            await().atMost(TIMEOUT).until(() -> sink.size() >= published);
            assertThat(sink.lostCount()).as("client %d, seed %d", i, seed).isZero();
            assertEveryMessageOnceInOrder(sink, published);
        }
    }

    @Test
    void aForgottenHistoryIsReportedAsLostOnResumeAndLive() {
        PushServer server = start();
        Sink sink = new Sink();
        PushClient client = connect(server, sink, ReconnectPolicy.none());
        get(client.subscribe("h.f"));
        publish("h.f", 1, 3);
        await().atMost(TIMEOUT).until(() -> sink.size() == 3);
        Position before = client.positions().get("h.f");

        cut(server, client, true);
        await().atMost(TIMEOUT).until(() -> client.state() == State.DISCONNECTED);
        source.forgetHistory("h.f");
        publish("h.f", "new epoch 1");
        get(client.connect()); // SUB h.f FROM 3.<old epoch>: LOST
        await().atMost(TIMEOUT).until(() -> sink.resumes.contains("lost h.f"));
        Position after = client.positions().get("h.f");
        assertThat(after.sameEpoch(before)).isFalse();
        assertThat(after.offset()).isEqualTo(1);
        publish("h.f", "new epoch 2");
        await().atMost(TIMEOUT).until(() -> sink.size() == 4);

        source.forgetHistory("h.f"); // live: the server announces MSG $lost
        publish("h.f", "newer epoch 1");
        await().atMost(TIMEOUT).until(() -> sink.size() == 5);
        assertThat(sink.texts()).containsExactly("m1", "m2", "m3", "new epoch 2", "newer epoch 1");
        assertThat(sink.resumes).containsExactly("lost h.f", "lost h.f");
        assertThat(sink.notices).as("the notice is not a message").isEmpty();
    }

    @Test
    void aResumeFurtherBackThanTheServerReplaysIsReportedAsLost() {
        PushServer server = start(HistoryOptions.builder().size(100).build(),
                ServerLimits.builder().maxReplay(10, 1024 * 1024).build());
        Sink sink = new Sink();
        PushClient client = connect(server, sink, ReconnectPolicy.none());
        get(client.subscribe("h.far"));
        publish("h.far", 1, 3);
        await().atMost(TIMEOUT).until(() -> sink.size() == 3);
        cut(server, client, false);
        await().atMost(TIMEOUT).until(() -> client.state() == State.DISCONNECTED);
        publish("h.far", 4, 20); // 17 missed, the server replays 10 at most
        get(client.connect());
        await().atMost(TIMEOUT).until(() -> sink.resumes.contains("lost h.far"));
        assertThat(client.positions().get("h.far").offset()).isEqualTo(20);
        publish("h.far", "m21");
        await().atMost(TIMEOUT).until(() -> sink.size() == 4);
        assertThat(sink.offsets()).containsExactly(1L, 2L, 3L, 21L);

        cut(server, client, false); // 10 behind: recovered
        await().atMost(TIMEOUT).until(() -> client.state() == State.DISCONNECTED);
        publish("h.far", 22, 31);
        get(client.connect());
        await().atMost(TIMEOUT).until(() -> sink.size() == 14);
        assertThat(sink.resumes).containsExactly("lost h.far", "recovered h.far 10");
        assertThat(sink.offsets().subList(3, 14)).containsExactly(21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L, 30L,
                31L);
    }

    @Test
    void positionsExportedByOneClientLetANewOneResumeWithNothingLost() {
        PushServer server = start();
        Sink first = new Sink();
        PushClient before = connect(server, first, FAST);
        get(before.subscribe("h.restart"));
        get(before.subscribe("plain.topic"));
        publish("h.restart", 1, 5);
        await().atMost(TIMEOUT).until(() -> first.size() == 5);
        Map<String, Position> saved = before.positions();
        assertThat(saved).containsOnlyKeys("h.restart");
        before.close();

        publish("h.restart", 6, 12); // while the app restarts
        Sink second = new Sink();
        PushClient after = connect(second.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                .positions(saved)));
        get(after.subscribe("h.restart"));
        publish("h.restart", 13, 15);
        await().atMost(TIMEOUT).until(() -> second.size() == 10);
        assertThat(second.offsets()).containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L);
        assertThat(second.texts().get(0)).isEqualTo("m6");
        assertThat(second.resumes).containsExactly("recovered h.restart 7");
    }

    @Test
    void subscribeLastStartsWithTheLatestMessagesThenResumes() {
        PushServer server = start();
        publish("h.last", 1, 10); // nobody listens yet; history keeps them
        Sink sink = new Sink();
        PushClient client = connect(server, sink, FAST);
        get(client.subscribeLast("h.last", 3));
        await().atMost(TIMEOUT).until(() -> sink.size() == 3);
        publish("h.last", "m11");
        await().atMost(TIMEOUT).until(() -> sink.size() == 4);
        cut(server, client, true); // the reconnect resumes from 11, it does not ask for the last 3 again
        await().atMost(TIMEOUT).until(() -> sink.resumes.size() == 2);
        publish("h.last", "m12");
        await().atMost(TIMEOUT).until(() -> sink.size() == 5);
        assertThat(sink.texts()).containsExactly("m8", "m9", "m10", "m11", "m12");
        assertThat(sink.resumes).containsExactly("recovered h.last 3", "recovered h.last 0");
    }

    @Test
    void aMessageTheFramingCannotCarryIsReportedLostAfterOneResume() {
        PushServer server = start();
        Sink sink = new Sink();
        PushClient client = connect(server, sink, FAST);
        get(client.subscribe("h.frame"));
        publish("h.frame", "one");
        publish("h.frame", "two\nlines"); // in history, but line framing cannot send it, live or replayed
        publish("h.frame", "three");
        publish("h.frame", "four");
        await().atMost(TIMEOUT).until(() -> sink.size() == 3);
        assertThat(sink.texts()).containsExactly("one", "three", "four");
        assertThat(sink.offsets()).containsExactly(1L, 3L, 4L);
        assertThat(sink.resumes).hasSize(2).endsWith("lost h.frame") // 2 or 3 recovered: "four" may be in it
                .first().asString().startsWith("recovered h.frame ");
        assertThat(server.metrics().messagesDropped()).containsKey(DropReason.NOT_FRAMEABLE);
    }

    @Test
    void aSlowClientWhoseMessagesTheDropPolicyDroppedGetsThemByResuming() throws Exception {
        PushServer server = start(HistoryOptions.builder().size(10_000).build(), ServerLimits.builder()
                .maxQueuedBytes(64 * 1024).slowConsumerPolicy(SlowConsumerPolicy.DROP)
                .maxReplay(10_000, 64 * 1024 * 1024).build());
        Sink sink = new Sink();
        Stall stall = new Stall(TIMEOUT); // the server's buffers fill, then it drops
        PushClientBuilder builder = sink.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                .reconnectPolicy(FAST));
        PushClient client = connect(builder.onMessage(stall.after(sink::accept)));
        get(client.subscribe("h.slow"));
        int n = 4_000; // 16 MiB: more than the socket buffers and the server's 64 KiB bound
        for (int i = 0; i < n; i++) {
            source.publish("h.slow", PAYLOAD).join();
        }
        assertThat(released(stall.first)).isTrue();
        await().atMost(TIMEOUT).until(() -> server.metrics().messagesDropped()
                .getOrDefault(DropReason.SLOW_CONSUMER, 0L) > 0);
        stall.release();
        // the buffers drain, then the server says how many it dropped
        await().atMost(TIMEOUT).until(() -> !sink.notices.isEmpty());
        assertThat(sink.notices.get(0).topic()).isEqualTo("$dropped");
        // (how many the client holds by now depends on how fast its resumes ran: not asserted, it raced)
        // what the server wrote between drops showed gaps, and the client resumed them; a gap the last drops left
        // shows with the next live message (which may itself be dropped while a big replay fills the buffer)
        AtomicInteger published = new AtomicInteger(n);
        publishUntilAllHaveEverything("h.slow", List.of(sink), published, TIMEOUT);
        assertEveryMessageOnceInOrder(sink, published.get());
        // messages were dropped for this (only) client, and it has them all: resumes brought them
        assertThat(sink.resumes).isNotEmpty().allMatch(r -> r.startsWith("recovered h.slow "));
        assertThat(stall.allReleased).as("the stall ended when the test said so").isTrue();
    }

    @Test
    void clientsAllBehindAtOnceAreKeptAndResumeWhatWasDroppedForThemWithNothingLost() throws Exception {
        serverLoops = 1; // every client on the same loop: when they are all behind, the loop is mostly behind
        PushServer server = start(HistoryOptions.builder().size(10_000).build(), ServerLimits.builder()
                .maxQueuedBytes(64 * 1024).softQueuedLimit(32 * 1024, Duration.ofMinutes(5))
                .maxReplay(10_000, 64 * 1024 * 1024).build()); // the default policy: DISCONNECT
        Stall stall = new Stall(TIMEOUT.multipliedBy(6));
        List<Sink> sinks = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            Sink sink = new Sink();
            sinks.add(sink);
            PushClient client = connect(sink.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                    .reconnectPolicy(FAST)).onMessage(stall.after(sink::accept)));
            get(client.subscribe("h.all"));
        }
        AtomicInteger published = new AtomicInteger();
        // every client stops reading: their buffers fill, and past the hard limit their pushes are dropped
        await().atMost(TIMEOUT).until(() -> {
            for (int i = 0; i < 100; i++) {
                source.publish("h.all", PAYLOAD).join();
                published.incrementAndGet();
            }
            return server.metrics().messagesDropped().getOrDefault(DropReason.SERVER_OVERLOADED, 0L) > 0;
        });
        assertThat(stall.began.get()).isPositive();
        assertThat(server.metrics().connectionsClosed().get(CloseReason.SLOW_CONSUMER)).isZero();
        stall.release();
        // they drain, resume the gaps from history, and get every message once, in order, on the same connection
        publishUntilAllHaveEverything("h.all", sinks, published, TIMEOUT.multipliedBy(3));
        for (Sink sink : sinks) {
            assertEveryMessageOnceInOrder(sink, published.get());
            assertThat(sink.resumes).allMatch(r -> r.startsWith("recovered h.all "));
        }
        assertThat(sinks).anyMatch(k -> !k.resumes.isEmpty());
        assertThat(server.metrics().connectionsClosed().get(CloseReason.SLOW_CONSUMER)).isZero();
        assertThat(server.metrics().connectionsOpened()).isEqualTo(6);
    }

    @Test
    void aSlowClientCutForStayingBehindComesBackAndResumesWithNothingLost() throws Exception {
        // behind by more than 64 KiB for more than 200 ms: cut, far under the hard limit
        PushServer server = start(HistoryOptions.builder().size(10_000).build(), ServerLimits.builder()
                .maxQueuedBytes(64 * 1024 * 1024).softQueuedLimit(64 * 1024, Duration.ofMillis(200))
                .maxReplay(10_000, 64 * 1024 * 1024).build());
        Sink sink = new Sink();
        Stall stall = new Stall(TIMEOUT);
        AtomicInteger connections = new AtomicInteger();
        PushClient client = connect(sink.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                .reconnectPolicy(FAST)).onStateChange(s -> {
                    if (s == State.CONNECTED) {
                        connections.incrementAndGet();
                    }
                }).onMessage(stall.after(sink::accept)));
        get(client.subscribe("h.slow"));
        int n = 2_000; // 8 MiB: more than the socket buffers and the soft limit, an eighth of the hard limit
        for (int i = 0; i < n; i++) {
            source.publish("h.slow", PAYLOAD).join();
        }
        assertThat(released(stall.first)).isTrue();
        await().atMost(TIMEOUT).until(() -> server.metrics().connectionsClosed()
                .getOrDefault(io.pushline.CloseReason.SLOW_CONSUMER, 0L) == 1L);
        stall.release();
        // it reads what reached it before the cut, reconnects, and resumes from the last message it got
        await().atMost(TIMEOUT).until(() -> sink.size() == n);
        assertEveryMessageOnceInOrder(sink, n);
        assertThat(sink.resumes).isNotEmpty().allMatch(r -> r.startsWith("recovered h.slow "));
        assertThat(connections.get()).isGreaterThanOrEqualTo(2);
        assertThat(server.metrics().messagesDropped().get(DropReason.SLOW_CONSUMER)).isZero();
        assertThat(stall.allReleased).as("the stall ended when the test said so").isTrue();
    }

    /**
     * Publishes one more message on {@code topic} every 100 ms until every sink holds all {@code published}: a gap
     * the last drops left shows only with the next live message, which the client then resumes.
     */
    private void publishUntilAllHaveEverything(String topic, List<Sink> sinks, AtomicInteger published,
            Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (sinks.stream().allMatch(k -> k.size() == published.get())) {
                return true;
            }
            source.publish(topic, PAYLOAD).join();
            published.incrementAndGet();
            return false;
        });
    }

    /**
     * Stops the event loop of each client it is {@link #after attached} to at the client's first message with a
     * position, until {@link #release()}: the client reads nothing meanwhile, so the server's buffers for it fill.
     */
    private static final class Stall {
        /** Counted down when the first stall begins. */
        final CountDownLatch first = new CountDownLatch(1);
        /** How many stalls began. */
        final AtomicInteger began = new AtomicInteger();
        /** Whether every stall ended by {@link #release()}, not by its time running out. */
        final AtomicBoolean allReleased = new AtomicBoolean(true);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Duration atMost;

        Stall(Duration atMost) {
            this.atMost = atMost;
        }

        /** A client's message listener: {@code listener}, then the stall at the first message with a position. */
        Consumer<Message> after(Consumer<Message> listener) {
            AtomicBoolean stalled = new AtomicBoolean();
            return m -> {
                listener.accept(m);
                if (m.position() != null && stalled.compareAndSet(false, true)) {
                    began.incrementAndGet();
                    first.countDown();
                    try {
                        if (!release.await(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                            allReleased.set(false);
                        }
                    } catch (InterruptedException e) {
                        allReleased.set(false); // the client is closing: the test fails on allReleased
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }

        void release() {
            release.countDown();
        }
    }

    private static boolean released(CountDownLatch latch) throws InterruptedException {
        return latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
