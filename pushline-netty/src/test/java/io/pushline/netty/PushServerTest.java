package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.Client;
import io.pushline.ClientHandlers;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.PushListener;
import io.pushline.PushlineException;
import io.pushline.SlowConsumerPolicy;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** End to end over real sockets, on the in-memory source. */
class PushServerTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private PushServer start(PushServerBuilder builder) {
        PushServer server = builder.port(0).host("127.0.0.1").build().start();
        closer.add(server);
        return server;
    }

    private TcpTestClient connect(PushServer server) {
        TcpTestClient client = new TcpTestClient(server.port());
        closer.add(client);
        return client;
    }

    private static void awaitSubscribed(PushServer server, int clients, String topic) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == clients
                && server.clients().stream().allMatch(c -> server.topics(c).contains(topic)));
    }

    private static InMemoryMessageSource source(PushServer server) {
        return (InMemoryMessageSource) server.source();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void portZeroPicksAFreePort() {
        PushServer server = start(PushServer.builder());
        assertThat(server.port()).isPositive();
        assertThat(server.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void echoesLinesAndAcceptsABareLineFeed() {
        PushServer server = start(PushServer.builder().onClientFrame(ClientHandlers.echo()));
        TcpTestClient client = connect(server);
        client.send("hello\r\n");
        assertThat(client.readLine()).isEqualTo("hello");
        client.send("bare\n");
        assertThat(client.readLine()).isEqualTo("bare");
        client.send("\r\n\nafter empty\r\n");
        assertThat(client.readLine()).isEqualTo("after empty");
    }

    @Test
    void pushesEveryMessageToEveryClientInOrder() {
        PushServer server = start(PushServer.builder().defaultTopics("updates").eventLoopThreads(2));
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            clients.add(connect(server));
        }
        awaitSubscribed(server, 50, "updates");
        for (int i = 0; i < 200; i++) {
            source(server).publish("updates", utf8("message " + i)).join();
        }
        for (TcpTestClient client : clients) {
            for (int i = 0; i < 200; i++) {
                assertThat(client.readLine()).isEqualTo("message " + i);
            }
        }
    }

    @Test
    void aPayloadWithALineBreakIsNotSentOnLineFramingButTheNextOneIs() {
        List<DropReason> drops = new CopyOnWriteArrayList<>();
        PushServer server = start(PushServer.builder().defaultTopics("updates").listener(new PushListener() {
            @Override
            public void messageDropped(Message message, DropReason reason) {
                drops.add(reason);
            }
        }));
        TcpTestClient client = connect(server);
        awaitSubscribed(server, 1, "updates");
        source(server).publish("updates", utf8("two\nlines")).join();
        source(server).publish("updates", utf8("carriage\rreturn")).join();
        source(server).publish("updates", utf8("fine")).join();
        assertThat(client.readLine()).isEqualTo("fine");
        assertThat(server.unsendableMessages()).isEqualTo(2);
        assertThat(drops).containsExactly(DropReason.NOT_FRAMEABLE, DropReason.NOT_FRAMEABLE);
    }

    @Test
    void aPayloadLongerThanTheFrameLimitIsNotSent() {
        PushServer server = start(PushServer.builder().framing(Framing.lines(16)).defaultTopics("updates"));
        TcpTestClient client = connect(server);
        awaitSubscribed(server, 1, "updates");
        source(server).publish("updates", utf8("x".repeat(17))).join();
        source(server).publish("updates", utf8("y".repeat(16))).join();
        assertThat(client.readLine()).isEqualTo("y".repeat(16));
        assertThat(server.unsendableMessages()).isEqualTo(1);
    }

    @Test
    void lengthPrefixedFramingCarriesEveryByteValue() {
        PushServer server = start(PushServer.builder().framing(Framing.lengthPrefixed())
                .defaultTopics("bin").onClientFrame(ClientHandlers.echo()));
        TcpTestClient client = connect(server);
        awaitSubscribed(server, 1, "bin");
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        source(server).publish("bin", all).join();
        assertThat(client.readFrame()).isEqualTo(all);
        client.sendFrame(all);
        assertThat(client.readFrame()).isEqualTo(all);
    }

    @Test
    void anOversizedLineClosesOnlyThatConnection() {
        PushServer server = start(PushServer.builder().framing(Framing.lines(1024)).defaultTopics("updates"));
        TcpTestClient bad = connect(server);
        TcpTestClient good = connect(server);
        awaitSubscribed(server, 2, "updates");
        bad.send("z".repeat(5000));
        assertThat(bad.readLine()).isEqualTo("-ERR frame too long");
        assertThat(bad.closedByServer()).isTrue();
        source(server).publish("updates", utf8("still here")).join();
        assertThat(good.readLine()).isEqualTo("still here");
    }

    @Test
    void theBrokerSubscriptionLivesWhileAClientWantsTheTopic() {
        PushServer server = start(PushServer.builder().defaultTopics("a", "b"));
        assertThat(server.topics()).isEmpty();
        TcpTestClient first = connect(server);
        TcpTestClient second = connect(server);
        awaitSubscribed(server, 2, "b");
        assertThat(server.topics()).containsExactlyInAnyOrder("a", "b");
        first.close();
        await().until(() -> server.clients().size() == 1);
        assertThat(server.topics()).containsExactlyInAnyOrder("a", "b");
        second.reset();
        await().until(() -> server.clients().isEmpty());
        assertThat(server.topics()).isEmpty();
    }

    @Test
    void aClientKilledWithResetDoesNotDisturbTheOthers() {
        AtomicInteger disconnected = new AtomicInteger();
        PushServer server = start(PushServer.builder().defaultTopics("updates").listener(new PushListener() {
            @Override
            public void clientDisconnected(Client client) {
                disconnected.incrementAndGet();
            }
        }));
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clients.add(connect(server));
        }
        awaitSubscribed(server, 10, "updates");
        clients.get(3).reset();
        clients.get(7).close();
        await().until(() -> disconnected.get() == 2);
        source(server).publish("updates", utf8("after")).join();
        for (int i = 0; i < 10; i++) {
            if (i != 3 && i != 7) {
                assertThat(clients.get(i).readLine()).isEqualTo("after");
            }
        }
    }

    @Test
    void aClientThatNeverReadsIsDisconnectedAndTheOthersGetEverything() throws Exception {
        List<Client> slow = new CopyOnWriteArrayList<>();
        PushServer server = start(PushServer.builder().defaultTopics("flood")
                .limits(l -> l.maxQueuedBytes(1024 * 1024).slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT))
                .listener(new PushListener() {
                    @Override
                    public void slowConsumer(Client client, SlowConsumerPolicy policy) {
                        slow.add(client);
                    }
                }));
        TcpTestClient stalled = new TcpTestClient(server.port(), 4096); // never reads
        closer.add(stalled);
        TcpTestClient reader = connect(server);
        awaitSubscribed(server, 2, "flood");
        int messages = 20_000;
        // the publisher stays at most 200 messages ahead of the reader, well under its 1 MiB outbound limit
        Semaphore window = new Semaphore(200);
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
            assertThat(window.tryAcquire(10, TimeUnit.SECONDS)).as("reader progress").isTrue();
            source(server).publish("flood", utf8(i + " " + "p".repeat(1000))).join();
        }
        readerThread.join(Duration.ofSeconds(60).toMillis());
        assertThat(inOrder.get()).isEqualTo(messages);
        assertThat(slow).hasSize(1);
        assertThat(stalled.closedByServerAfterDraining(32 * 1024 * 1024)).isTrue();
        await().until(() -> server.clients().size() == 1);
    }

    @Test
    void closeIsIdempotentAndClosesClients() {
        PushServer server = PushServer.builder().port(0).host("127.0.0.1").build().start();
        TcpTestClient client = connect(server);
        await().until(() -> server.clients().size() == 1);
        server.close();
        server.close();
        assertThat(server.closeAsync()).isCompleted();
        assertThat(client.closedByServer()).isTrue();
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeLetsQueuedPushesDrain() {
        PushServer server = PushServer.builder().port(0).host("127.0.0.1").eventLoopThreads(1)
                .limits(l -> l.maxQueuedBytes(64 * 1024 * 1024)).defaultTopics("t").build().start();
        TcpTestClient slowReader = new TcpTestClient(server.port(), 4096);
        closer.add(slowReader);
        TcpTestClient marker = connect(server);
        awaitSubscribed(server, 2, "t");
        int messages = 4_000;
        byte[] filler = utf8("f".repeat(1000));
        for (int i = 0; i < messages; i++) {
            source(server).publish("t", filler).join();
        }
        source(server).publish("t", utf8("last")).join();
        // once the marker client has "last", the same batch queued it for the slow reader too (one event loop)
        for (int i = 0; i < messages; i++) {
            marker.readLine();
        }
        assertThat(marker.readLine()).isEqualTo("last");

        CompletableFuture<Void> closed = server.closeAsync(); // megabytes are still queued for the slow reader
        for (int i = 0; i < messages; i++) {
            assertThat(slowReader.readLine()).hasSize(1000);
        }
        assertThat(slowReader.readLine()).isEqualTo("last");
        assertThat(slowReader.closedByServer()).isTrue();
        assertThat(closed).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aSecondServerOnTheSamePortFailsClearly() {
        PushServer server = start(PushServer.builder());
        assertThatThrownBy(() -> PushServer.builder().host("127.0.0.1").port(server.port()).build().start())
                .isInstanceOf(PushlineException.class).hasMessageContaining("cannot bind");
    }

    @Test
    void theBuilderRejectsBadArgumentsWithClearMessages() {
        assertThatThrownBy(() -> PushServer.builder().port(70_000))
                .hasMessage("port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> PushServer.builder().defaultTopics("has space"))
                .hasMessageContaining("topic contains a space");
        assertThatThrownBy(() -> PushServer.builder().eventLoopThreads(0))
                .hasMessage("eventLoopThreads: 0 (expected: > 0)");
        assertThatThrownBy(() -> Framing.lines(0)).hasMessage("maxFrameLength: 0 (expected: 1..16777216)");
    }

    @Test
    void isSubscribedTurnsTrueOnceTheBrokerConfirmedARawClientsDefaultTopic() {
        CompletableFuture<Void> confirmation = new CompletableFuture<>();
        InMemoryMessageSource inner = InMemoryMessageSource.create();
        io.pushline.MessageSource slow = new io.pushline.MessageSource() { // confirms when the test says so
            @Override
            public io.pushline.SourceCapabilities capabilities() {
                return inner.capabilities();
            }

            @Override
            public void start(io.pushline.MessageListener listener) {
                inner.start(listener);
            }

            @Override
            public CompletableFuture<Void> subscribe(String topic) {
                return inner.subscribe(topic).thenCompose(ok -> confirmation);
            }

            @Override
            public CompletableFuture<Void> unsubscribe(String topic) {
                return inner.unsubscribe(topic);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).source(slow)
                .defaultTopics("updates").build().start());
        assertThat(server.isSubscribed("updates")).isFalse();
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.topics().contains("updates"));
        assertThat(server.isSubscribed("updates")).as("held, not yet confirmed").isFalse();
        confirmation.complete(null);
        await().until(() -> server.isSubscribed("updates"));
        inner.publish("updates", "now it arrives".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(client.readLine()).isEqualTo("now it arrives");
        assertThat(server.isSubscribed("other")).isFalse();
    }
}
