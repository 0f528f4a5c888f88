package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.InMemoryMessageSource;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.internal.server.NettyClient;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbound limits with time over real sockets: a client that stops reading for a moment gets everything once it
 * reads again; one that stays stopped is a slow consumer after the soft limit's duration, or at once past the hard
 * limit; and the clients that read get everything meanwhile. When most clients of an event loop are behind (the
 * source outruns them all), DISCONNECT drops what does not fit instead of cutting them, unless they stop draining.
 * The server runs one event loop, so that every client shares it.
 */
class SlowConsumerLimitsTest {
    private static final int SOFT = 64 * 1024;
    private static final String PAYLOAD = "p".repeat(1000);

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final List<Client> slow = new CopyOnWriteArrayList<>();
    private final List<SlowConsumerPolicy> policies = new CopyOnWriteArrayList<>();
    private InMemoryMessageSource source;

    private PushServer start(int hard, Duration softFor, SlowConsumerPolicy policy) {
        return start(hard, SOFT, softFor, policy);
    }

    private PushServer start(int hard, int soft, Duration softFor, SlowConsumerPolicy policy) {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).defaultTopics("t")
                .eventLoopThreads(1)
                .limits(l -> l.maxQueuedBytes(hard).softQueuedLimit(soft, softFor).slowConsumerPolicy(policy))
                .listener(new PushListener() {
                    @Override
                    public void slowConsumer(Client client, SlowConsumerPolicy applied) {
                        slow.add(client);
                        policies.add(applied);
                    }
                }).build().start());
        source = (InMemoryMessageSource) server.source();
        return server;
    }

    /** The server's side of a test client that connected, once it is subscribed to the default topic. */
    private static NettyClient serverSide(PushServer server, TcpTestClient client) {
        await().until(() -> server.clients().stream().anyMatch(c -> isOf(c, client) && server.topics(c).contains("t")));
        return (NettyClient) server.clients().stream().filter(c -> isOf(c, client)).findFirst().orElseThrow();
    }

    private static long queued(NettyClient client) {
        ChannelOutboundBuffer out = client.channel().unsafe().outboundBuffer();
        return out == null ? -1 : out.totalPendingWriteBytes();
    }

    private static boolean isOf(Client c, TcpTestClient client) {
        return c.remoteAddress().equals(client.socket().getLocalSocketAddress());
    }

    private void publish(int i) {
        source.publish("t", (i + " " + PAYLOAD).getBytes(StandardCharsets.UTF_8)).join();
    }

    /** Publishes messages {@code from} on until the client is behind (over the soft limit); returns the next index. */
    private int publishUntilBehind(NettyClient client, int from) {
        int i = from;
        while (client.channel().isWritable()) {
            assertThat(i - from).as("messages published without the client falling behind").isLessThan(100_000);
            publish(i++);
        }
        return i;
    }

    private static void assertReads(TcpTestClient client, int from, int to) {
        for (int i = from; i < to; i++) {
            assertThat(client.readLine()).startsWith(i + " ");
        }
    }

    @Test
    void aClientThatStopsReadingForAMomentGetsEverythingOnceItReadsAgain() {
        PushServer server = start(16 * 1024 * 1024, Duration.ofSeconds(30), SlowConsumerPolicy.DISCONNECT);
        TcpTestClient reader = closer.add(new TcpTestClient(server.port(), 4096));
        NettyClient behind = serverSide(server, reader);
        int n = publishUntilBehind(behind, 0); // past the kernel's buffers and the soft limit: queued in the server
        for (int i = 0; i < 200; i++) {
            publish(n++);
        }
        assertReads(reader, 0, n);
        publish(n);
        assertReads(reader, n, n + 1);
        assertThat(slow).isEmpty();
        assertThat(behind.isOpen()).isTrue();
    }

    /**
     * Reads lines {@code <index> <payload>} on a thread of its own, checking that the indices only grow; counts how
     * many came without a gap from 0.
     */
    private static final class InOrderReader extends Thread {
        volatile int last = -1;
        volatile int contiguousFromZero;
        volatile Throwable failure;
        private final TcpTestClient client;

        InOrderReader(TcpTestClient client) {
            super("in-order reader");
            setDaemon(true);
            this.client = client;
            start();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    String line = client.readLine();
                    int index = Integer.parseInt(line.substring(0, line.indexOf(' ')));
                    if (index <= last) {
                        throw new AssertionError("index " + index + " after " + last);
                    }
                    if (index == contiguousFromZero) {
                        contiguousFromZero++;
                    }
                    last = index;
                }
            } catch (RuntimeException | AssertionError e) {
                failure = e; // the test checks it while it expects more lines
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SlowConsumerPolicy.class)
    void aClientThatStaysStoppedIsASlowConsumerAfterTheSoftDurationAndTheOthersGetEverything(
            SlowConsumerPolicy policy) {
        int hard = 64 * 1024 * 1024;
        PushServer server = start(hard, Duration.ofMillis(500), policy);
        TcpTestClient stalled = closer.add(new TcpTestClient(server.port(), 4096)); // never reads
        TcpTestClient reading = closer.add(new TcpTestClient(server.port()));
        NettyClient stalledSide = serverSide(server, stalled);
        NettyClient readingSide = serverSide(server, reading);
        InOrderReader reader = new InOrderReader(reading);
        AtomicInteger next = new AtomicInteger(publishUntilBehind(stalledSide, 0));
        // still published to, far under the hard limit: queued for it until the soft duration is over, then it is
        // disconnected, or its pushes are dropped and it stays connected
        List<String> trace = new CopyOnWriteArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                // at the reading client's pace: on a loaded machine a flat-out publisher would leave it behind too
                for (int i = 0; i < 200 && readingSide.channel().isWritable(); i++) {
                    publish(next.getAndIncrement());
                }
                trace.add((stalledSide.channel().isWritable() ? "writable " : "behind ") + queued(stalledSide));
                return policy == SlowConsumerPolicy.DISCONNECT ? !slow.isEmpty()
                        : server.metrics().messagesDropped().getOrDefault(DropReason.SLOW_CONSUMER, 0L) > 0;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not a slow consumer; the stalled client at each poll: " + trace, e);
        }
        if (policy == SlowConsumerPolicy.DISCONNECT) {
            assertThat(stalled.closedByServerAfterDraining(hard)).isTrue();
            assertThat(server.metrics().connectionsClosed()).containsEntry(CloseReason.SLOW_CONSUMER, 1L);
        } else {
            assertThat(stalledSide.isOpen()).isTrue();
        }
        int n = next.get();
        assertThat(slow).containsExactly(stalledSide);
        publish(n);
        int all = n + 1;
        // every message, however many the first wait published: on a loaded machine reading them can take a while
        await().atMost(Duration.ofSeconds(60)).until(() -> reader.contiguousFromZero == all || reader.failure != null);
        assertThat(reader.failure).isNull();
        assertThat(reader.contiguousFromZero).isEqualTo(all);
    }

    @Test
    void aClientPastTheHardLimitIsCutAtOnce() {
        int hard = 1024 * 1024;
        PushServer server = start(hard, Duration.ofHours(1), SlowConsumerPolicy.DISCONNECT);
        TcpTestClient stalled = closer.add(new TcpTestClient(server.port(), 4096));
        serverSide(server, stalled);
        int published = 0;
        while (slow.isEmpty()) {
            assertThat(published).as("messages published without a cut").isLessThan(64 * 1024);
            publish(published++);
        }
        assertThat(stalled.closedByServerAfterDraining(64 * 1024 * 1024)).isTrue();
        assertThat(server.metrics().connectionsClosed()).containsEntry(CloseReason.SLOW_CONSUMER, 1L);
    }

    /** Connects {@code n} clients with small receive buffers that do not read, and their server sides. */
    private List<NettyClient> stalledClients(PushServer server, int n, List<TcpTestClient> clients) {
        List<NettyClient> sides = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TcpTestClient c = closer.add(new TcpTestClient(server.port(), 4096));
            clients.add(c);
            sides.add(serverSide(server, c));
        }
        return sides;
    }

    /** Publishes from {@code from} on until {@code done} holds; returns the next index. */
    private int publishUntil(int from, java.util.function.BooleanSupplier done) {
        int i = from;
        while (!done.getAsBoolean()) {
            assertThat(i - from).as("messages published before it happened").isLessThan(200_000);
            publish(i++);
        }
        return i;
    }

    private long dropped(PushServer server, DropReason reason) {
        return server.metrics().messagesDropped().getOrDefault(reason, 0L);
    }

    @Test
    void whenMostClientsOfALoopAreBehindTheyAreKeptAndWhatDoesNotFitIsDropped() {
        PushServer server = start(1024 * 1024, Duration.ofHours(1), SlowConsumerPolicy.DISCONNECT);
        List<TcpTestClient> clients = new ArrayList<>();
        List<NettyClient> sides = stalledClients(server, 6, clients);
        // every client past the hard limit: each had pushes dropped, none was cut
        int n = publishUntil(0, () -> slow.containsAll(sides));
        assertThat(sides).allMatch(NettyClient::isOpen);
        assertThat(server.metrics().connectionsClosed().getOrDefault(CloseReason.SLOW_CONSUMER, 0L)).isZero();
        assertThat(policies).containsOnly(SlowConsumerPolicy.DROP);
        assertThat(dropped(server, DropReason.SERVER_OVERLOADED)).isPositive();
        assertThat(dropped(server, DropReason.SLOW_CONSUMER)).isZero();
        // once they read, they drain and get what comes next: in order, with the drops as the only gaps
        List<InOrderReader> readers = clients.stream().map(InOrderReader::new).toList();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> sides.stream().allMatch(c -> c.channel().isWritable()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not drained: " + sides.stream().map(c -> c.channel().isWritable() + " "
                    + queued(c) + " " + c.isOpen()).toList() + "; readers: " + readers.stream().map(r -> r.last
                    + "/" + r.contiguousFromZero + " " + r.failure).toList(), e);
        }
        // (what the loop still had queued may put them behind again for a moment: publish until each got a new one)
        AtomicInteger next = new AtomicInteger(n);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            publish(next.getAndIncrement());
            return readers.stream().allMatch(r -> r.last >= n || r.failure != null);
        });
        for (InOrderReader r : readers) {
            assertThat(r.failure).isNull();
            assertThat(r.contiguousFromZero).as("the first messages, queued before any drop").isGreaterThan(100);
            assertThat(r.contiguousFromZero).as("up to the first message dropped for it").isLessThan(n);
        }
        assertThat(sides).allMatch(NettyClient::isOpen);
    }

    @Test
    void behindWithManyYetNotReadingForTheSoftDurationIsStillCut() {
        PushServer server = start(1024 * 1024, Duration.ofSeconds(1), SlowConsumerPolicy.DISCONNECT);
        List<TcpTestClient> clients = new ArrayList<>();
        List<NettyClient> sides = stalledClients(server, 6, clients);
        publishUntil(0, () -> dropped(server, DropReason.SERVER_OVERLOADED) > 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.metrics().connectionsClosed()
                .get(CloseReason.SLOW_CONSUMER) == 6L);
        assertThat(sides).noneMatch(NettyClient::isOpen);
    }

    @Test
    void withoutASoftLimitTheBoundIsStrictEvenWhenAllAreBehind() {
        int bound = 1024 * 1024;
        PushServer server = start(bound, bound, Duration.ofHours(1), SlowConsumerPolicy.DISCONNECT); // soft = hard
        List<NettyClient> sides = stalledClients(server, 6, new ArrayList<>());
        publishUntil(0, () -> server.metrics().connectionsClosed().get(CloseReason.SLOW_CONSUMER) == 6L);
        assertThat(sides).noneMatch(NettyClient::isOpen);
        assertThat(dropped(server, DropReason.SERVER_OVERLOADED)).isZero();
    }

    @Test
    void aFewStalledClientsAmongReadersAreStillCutAtTheHardLimit() {
        // the readers count as behind only 512 KiB behind: on a loaded machine they may lag a little
        PushServer server = start(1024 * 1024, 512 * 1024, Duration.ofHours(1), SlowConsumerPolicy.DISCONNECT);
        List<TcpTestClient> stalled = new ArrayList<>();
        List<NettyClient> stalledSides = stalledClients(server, 4, stalled);
        List<InOrderReader> readers = new ArrayList<>();
        List<NettyClient> readingSides = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TcpTestClient c = closer.add(new TcpTestClient(server.port()));
            readingSides.add(serverSide(server, c));
            readers.add(new InOrderReader(c));
        }
        AtomicInteger next = new AtomicInteger();
        // four of nine behind is not most of them: each is a slow consumer past the hard limit
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (int i = 0; i < 50 && readingSides.stream().allMatch(c -> c.channel().isWritable()); i++) {
                publish(next.getAndIncrement());
            }
            return server.metrics().connectionsClosed().get(CloseReason.SLOW_CONSUMER) == 4L;
        });
        assertThat(stalledSides).noneMatch(NettyClient::isOpen);
        assertThat(readingSides).allMatch(NettyClient::isOpen);
        int all = next.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> readers.stream().allMatch(r -> r.contiguousFromZero == all
                || r.failure != null));
        assertThat(readers).allMatch(r -> r.failure == null && r.contiguousFromZero == all);
    }
}
