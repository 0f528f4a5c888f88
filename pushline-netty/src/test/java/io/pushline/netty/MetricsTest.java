package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Client;
import io.pushline.ClientHandlers;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.PushListener;
import io.pushline.PushMetrics;
import io.pushline.SlowConsumerPolicy;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server's counters match what happened on the wire. */
class MetricsTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private static void publish(PushServer server, String topic, String payload) {
        ((InMemoryMessageSource) server.source()).publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    @Test
    void countsConnectionsMessagesBytesDropsAndCloseReasons() {
        List<CloseReason> reasons = new CopyOnWriteArrayList<>();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).limits(l -> l.maxConnections(3))
                .framing(Framing.lines(100)).defaultTopics("t").onClientFrame(ClientHandlers.echo())
                .listener(new PushListener() {
                    @Override
                    public void clientDisconnected(Client client, CloseReason reason) {
                        reasons.add(reason);
                    }
                }).build().start());
        TcpTestClient a = closer.add(new TcpTestClient(server.port()));
        TcpTestClient b = closer.add(new TcpTestClient(server.port()));
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.connectionCount() == 3);
        TcpTestClient refused = closer.add(new TcpTestClient(server.port()));
        assertThat(refused.readLine()).isEqualTo("-ERR too many connections");
        await().until(() -> server.clients().size() == 3
                && server.clients().stream().allMatch(x -> server.topics(x).contains("t")));
        for (int i = 0; i < 5; i++) {
            publish(server, "t", "12345");
        }
        publish(server, "t", "not\nframeable");
        publish(server, "t", "last");
        for (TcpTestClient x : List.of(a, b, c)) {
            for (int i = 0; i < 5; i++) {
                assertThat(x.readLine()).isEqualTo("12345");
            }
            assertThat(x.readLine()).isEqualTo("last");
        }
        a.send("hello\n");
        assertThat(a.readLine()).isEqualTo("hello");
        b.send("x".repeat(200)); // over the 100-byte frame limit
        assertThat(b.readLine()).isEqualTo("-ERR frame too long");
        c.close();
        await().until(() -> reasons.size() == 2);
        assertThat(reasons).containsExactlyInAnyOrder(CloseReason.BAD_FRAME, CloseReason.CLIENT);

        // push counters are added just after each batch's flush, so a client can read before they move
        await().until(() -> server.metrics().messagesDelivered() == 18);
        PushMetrics m = server.metrics();
        assertThat(m.connections()).isEqualTo(1);
        assertThat(m.connectionsOpened()).isEqualTo(3);
        assertThat(m.connectionsRefused()).isEqualTo(1);
        assertThat(m.connectionsClosed()).containsEntry(CloseReason.BAD_FRAME, 1L)
                .containsEntry(CloseReason.CLIENT, 1L).containsEntry(CloseReason.SLOW_CONSUMER, 0L);
        assertThat(m.messagesReceived()).isEqualTo(7);
        assertThat(m.messagesDelivered()).isEqualTo(18);
        assertThat(m.bytesDelivered()).isEqualTo(15 * 7 + 3 * 6);
        assertThat(m.messagesDropped()).containsEntry(DropReason.NOT_FRAMEABLE, 1L);
        assertThat(m.framesReceived()).isEqualTo(1); // the oversized one never became a frame
        assertThat(m.bytesReceived()).isEqualTo(5);
        assertThat(m.topics()).isEqualTo(1);
        assertThat(m.sourceDownEvents()).isZero();

        server.close();
        await().until(() -> reasons.size() == 3);
        assertThat(reasons).contains(CloseReason.SERVER_SHUTDOWN);
        assertThat(server.metrics().connectionsClosed()).containsEntry(CloseReason.SERVER_SHUTDOWN, 1L);
    }

    @Test
    void theDropPolicyKeepsASlowClientConnectedAndCountsWhatItMissed() throws Exception {
        AtomicInteger slowEvents = new AtomicInteger();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).defaultTopics("flood")
                .limits(l -> l.maxQueuedBytes(64 * 1024).slowConsumerPolicy(SlowConsumerPolicy.DROP))
                .listener(new PushListener() {
                    @Override
                    public void slowConsumer(Client client, SlowConsumerPolicy policy) {
                        slowEvents.incrementAndGet();
                    }
                }).build().start());
        TcpTestClient stalled = closer.add(new TcpTestClient(server.port(), 4096)); // never reads
        TcpTestClient reader = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.clients().size() == 2
                && server.clients().stream().allMatch(x -> server.topics(x).contains("flood")));
        int messages = 10_000;
        Semaphore window = new Semaphore(32); // 32 KiB ahead of the reader at most: it is never slow itself
        AtomicInteger inOrder = new AtomicInteger();
        Thread readerThread = new Thread(() -> {
            for (int i = 0; i < messages; i++) {
                if (reader.readLine().startsWith(i + " ")) {
                    inOrder.incrementAndGet();
                }
                window.release();
            }
        });
        readerThread.start();
        for (int i = 0; i < messages; i++) {
            assertThat(window.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
            publish(server, "flood", i + " " + "p".repeat(1000));
        }
        readerThread.join(Duration.ofSeconds(60).toMillis());
        assertThat(inOrder.get()).isEqualTo(messages);
        PushMetrics m = server.metrics();
        assertThat(m.messagesDropped().get(DropReason.SLOW_CONSUMER)).isPositive();
        assertThat(m.slowConsumers()).isEqualTo(slowEvents.get()).isPositive();
        assertThat(m.connections()).isEqualTo(2); // dropped, not disconnected
        // counters are added once per batch, just after its flush: wait for the last batch's share
        await().untilAsserted(() -> assertThat(server.metrics().messagesDelivered()
                + server.metrics().messagesDropped().get(DropReason.SLOW_CONSUMER)).isEqualTo(2L * messages));
        assertThat(stalled.socket().isClosed()).isFalse();
    }

    @Test
    void aCommandsClientThatFellBehindIsToldHowManyMessagesItMissed() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0)
                .protocol(io.pushline.Protocol.COMMANDS).limits(l -> l.maxQueuedBytes(64 * 1024)
                .slowConsumerPolicy(SlowConsumerPolicy.DROP)).build().start());
        TcpTestClient late = closer.add(new TcpTestClient(server.port(), 4096));
        late.send("SUB flood\r\n");
        assertThat(late.readLine()).isEqualTo("+OK");
        int messages = 3_000;
        for (int i = 0; i < messages; i++) {
            publish(server, "flood", "p".repeat(1000)); // while the client reads nothing
        }
        await().until(() -> server.metrics().messagesReceived() == messages);
        long received = 0;
        long reportedMissing = 0;
        while (received + reportedMissing < messages) {
            String line = late.readLine();
            if (line.startsWith("MSG $dropped - ")) {
                reportedMissing += Long.parseLong(line.substring("MSG $dropped - ".length()));
            } else {
                assertThat(line).startsWith("MSG flood - ");
                received++;
            }
        }
        assertThat(reportedMissing).isPositive()
                .isEqualTo(server.metrics().messagesDropped().get(DropReason.SLOW_CONSUMER));
        assertThat(received + reportedMissing).isEqualTo(messages);
    }

    @Test
    void anEventLoopThatFallsBehindTheSourceShedsLoadInsteadOfQueueingWithoutBound() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).eventLoopThreads(1)
                .defaultTopics("t").onClientFrame((client, frame) -> {
                    try {
                        gate.await(); // simulates an event loop that cannot keep up (never do this in a handler)
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build().start());
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.topics().contains("t"));
        client.send("block the loop\n");
        int messages = 40_000; // about 40 MiB of frames for a loop that may hold 32 MiB
        byte[] payload = "p".repeat(1024).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < messages; i++) {
            ((InMemoryMessageSource) server.source()).publish("t", payload).join();
        }
        await().until(() -> server.metrics().messagesReceived() == messages);
        long shed = server.metrics().messagesDropped().get(DropReason.SERVER_OVERLOADED);
        gate.countDown();
        assertThat(shed).isBetween(5_000L, 10_000L);
    }
}
