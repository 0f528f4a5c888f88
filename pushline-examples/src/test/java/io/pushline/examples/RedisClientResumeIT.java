package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.pushline.Client;
import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.client.PushClient;
import io.pushline.netty.client.ReconnectPolicy;
import io.pushline.netty.client.ResumeListener;
import io.pushline.netty.internal.server.NettyClient;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PushClient}s resume on their own, on a private {@code redis-server} with history: connections cut at
 * random moments (closed by the server, or reset) under a 1,000 msg/s stream, the server process killed with
 * SIGKILL and started again, and clients moving to a second server on the same Redis. Each client must end with
 * every message exactly once, in order, and no loss reported.
 */
class RedisClientResumeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10),
            Duration.ofMillis(200));

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final HistoryOptions history = HistoryOptions.builder().size(100_000).build();

    /** What one client delivered, and what it was told: recoveries, losses, refusals, its states. */
    private static final class Sink {
        final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> lost = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();
        final List<PushClient.State> states = new CopyOnWriteArrayList<>();
        final AtomicInteger recovered = new AtomicInteger();
        volatile PushClient client;

        PushClient client(int port) {
            client = PushClient.builder().host("127.0.0.1").port(port).reconnectPolicy(FAST).onMessage(messages::add)
                    .onStateChange(states::add).onResume(new ResumeListener() {
                        @Override
                        public void recovered(String topic, int count) {
                            recovered.incrementAndGet();
                        }

                        @Override
                        public void lost(String topic) {
                            lost.add(topic);
                        }

                        @Override
                        public void refused(String name, boolean pattern, String reason) {
                            refused.add(name + ": " + reason);
                        }
                    }).build();
            return client;
        }

        int size() {
            return messages.size();
        }

        /** Where the client stands and what it was told: the message of an assertion about it. */
        String describe(String name, int published) {
            Message last;
            synchronized (messages) {
                last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
            }
            PushClient c = client;
            return name + ": delivered " + size() + " of " + published + ", the last at "
                    + (last == null ? "-" : last.position()) + "; client positions " + c.positions() + ", topics "
                    + c.topics() + ", state " + c.state() + " (" + states.stream().filter(st -> st
                            == PushClient.State.CONNECTED).count() + " connections); told: recovered "
                    + recovered.get() + ", lost " + lost + ", refused " + refused;
        }

        /** Every offset after {@code start} up to {@code start + n}, once each, in order, in one epoch. */
        void assertEveryMessageOnceInOrder(String name, Position start, int n) {
            assertThat(lost).as(describe(name, n)).isEmpty();
            assertThat(refused).as(describe(name, n)).isEmpty();
            List<Message> got;
            synchronized (messages) { // from the publisher's first message on (the marker before it may be here)
                got = messages.stream().filter(m -> m.position().offset() > start.offset()).toList();
            }
            Position previous = start;
            for (Message m : got) {
                assertThat(m.position().follows(previous)).as("%s: %s after %s", describe(name, n), m.position(),
                        previous).isTrue();
                previous = m.position();
            }
            assertThat(got).as(describe(name, n)).hasSize(n);
        }
    }

    /** Publishes {@code perTick} messages with positions every 10 ms, through Redis. */
    private final class Publisher implements AutoCloseable {
        final AtomicInteger published = new AtomicInteger();
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final RedisPublisher publisher = RedisPublisher.create(RedisURI.create(redis.uri()), history);
        final Position start;

        Publisher(String topic, int perTick) {
            start = publisher.publishWithPosition(topic, "start".getBytes(StandardCharsets.UTF_8)).join();
            timer.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perTick; i++) {
                    publisher.publish(topic, ("m" + published.incrementAndGet()).getBytes(StandardCharsets.UTF_8))
                            .join();
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
        }

        int stop() throws InterruptedException {
            timer.shutdown();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            return published.get();
        }

        @Override
        public void close() {
            timer.shutdownNow();
            publisher.close();
        }
    }

    private PushServer server(int port) {
        // a replay may carry the whole test's stream: a client slow to reconnect on a busy machine still recovers
        return closer.add(PushServer.builder().host("127.0.0.1").port(port).protocol(Protocol.COMMANDS)
                .limits(l -> l.maxReplay(100_000, 16 << 20))
                .source(RedisMessageSource.create(RedisURI.create(redis.uri()), history))
                .timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1))).build().start());
    }

    /** Subscribes a new client and waits until it is subscribed (it then holds the topic's top as its position). */
    private PushClient subscribed(Sink sink, int port, String topic) {
        PushClient client = closer.add(sink.client(port));
        client.subscribe(topic);
        client.connect().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        await().atMost(TIMEOUT).until(() -> client.positions().containsKey(topic));
        return client;
    }

    /** Cuts one of the server's connections: closed by the server, or reset (killed). */
    private static void cut(Client connection, boolean kill) {
        if (kill) {
            Channel ch = ((NettyClient) connection).channel();
            ch.config().setOption(ChannelOption.SO_LINGER, 0); // the close sends a reset
            ch.close();
        } else {
            connection.disconnect("cut by the test");
        }
    }

    @Test
    void twentyClientsCutFiftyTimesAtRandomEachGetEveryMessageOnceInOrder() throws Exception {
        PushServer server = server(0);
        List<Sink> sinks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Sink sink = new Sink();
            subscribed(sink, server.port(), "feed");
            sinks.add(sink);
        }
        Publisher publisher = closer.add(new Publisher("feed", 10)); // 1,000 msg/s
        long seed = System.nanoTime();
        Random random = new Random(seed);
        AtomicInteger cuts = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            boolean kill = i % 2 == 1; // 25 closed by the server, 25 reset
            publisher.timer.schedule(() -> {
                List<Client> connections = List.copyOf(server.clients());
                if (!connections.isEmpty()) {
                    cut(connections.get(random.nextInt(connections.size())), kill);
                }
                cuts.incrementAndGet();
            }, 200 + random.nextInt(4_000), TimeUnit.MILLISECONDS);
        }
        await().atMost(TIMEOUT).until(() -> cuts.get() == 50 && publisher.published.get() >= 5_000);
        int published = publisher.stop();
        for (int i = 0; i < sinks.size(); i++) {
            Sink sink = sinks.get(i);
            String name = "client " + i + " of 20 (seed " + seed + ")";
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.size()).as(sink.describe(name, published))
                    .isGreaterThanOrEqualTo(published));
            sink.assertEveryMessageOnceInOrder(name, publisher.start, published);
        }
        // the last cut of any client is followed by a resume that recovered (nothing was lost): at least one
        assertThat(sinks.stream().mapToInt(s -> s.recovered.get()).sum()).as("resumes that recovered; seed %d", seed)
                .isPositive();
    }

    @Test
    void theServerKilledWithSigkillAndStartedAgainLosesNoMessage() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String[] args = {"server", "--host", "127.0.0.1", "--port", Integer.toString(port), "--protocol",
            "commands", "--redis", redis.uri(), "--history", "--history-size", "100000", "--max-replay", "100000"};
        CliProcess first = closer.add(new CliProcess(args));
        assertThat(first.awaitPort()).isEqualTo(port);
        List<Sink> sinks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Sink sink = new Sink();
            subscribed(sink, port, "crash");
            sinks.add(sink);
        }
        Publisher publisher = closer.add(new Publisher("crash", 10));
        await().atMost(TIMEOUT).until(() -> sinks.get(0).size() > 1_000);
        first.kill(); // mid-stream: what was on its way to the clients is gone with it
        int atKill = publisher.published.get();
        await().atMost(TIMEOUT).until(() -> publisher.published.get() > atKill + 500); // published meanwhile
        CliProcess second = closer.add(new CliProcess(args));
        assertThat(second.awaitPort()).isEqualTo(port);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sinks.get(0).size())
                .as("delivered after the restart (%d published at the kill, %d now)", atKill, publisher.published.get())
                .isGreaterThan(atKill + 1_000));
        int published = publisher.stop();
        for (int i = 0; i < sinks.size(); i++) {
            Sink sink = sinks.get(i);
            String name = "client " + i + " of 5";
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.size()).as(sink.describe(name, published))
                    .isGreaterThanOrEqualTo(published));
            sink.assertEveryMessageOnceInOrder(name, publisher.start, published);
            assertThat(sink.recovered.get()).as(sink.describe(name, published)).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void clientsMovingToASecondServerOnTheSameRedisLoseNoMessage() throws Exception {
        PushServer a = server(0);
        PushServer b = server(0);
        Sink sink = new Sink();
        PushClient onA = subscribed(sink, a.port(), "move");
        Publisher publisher = closer.add(new Publisher("move", 10));
        await().atMost(TIMEOUT).until(() -> sink.size() > 500);
        onA.close(); // the app moves: it keeps what it received and where it was
        CompletableFuture<Void> moved = new CompletableFuture<>();
        await().atMost(TIMEOUT).until(() -> publisher.published.get() > sink.size() + 300); // missed meanwhile
        PushClient onB = closer.add(PushClient.builder().host("127.0.0.1").port(b.port()).reconnectPolicy(FAST)
                .positions(onA.positions()).onMessage(sink.messages::add).onResume(new ResumeListener() {
                    @Override
                    public void recovered(String topic, int count) {
                        moved.complete(null);
                    }

                    @Override
                    public void lost(String topic) {
                        sink.lost.add(topic);
                    }

                    @Override
                    public void refused(String name, boolean pattern, String reason) {
                        sink.refused.add(name + ": " + reason);
                    }
                }).build());
        sink.client = onB;
        onB.subscribe("move");
        onB.connect().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        moved.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        int published = publisher.stop();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.size())
                .as(sink.describe("the moved client", published)).isGreaterThanOrEqualTo(published));
        sink.assertEveryMessageOnceInOrder("the moved client", publisher.start, published);
    }
}
