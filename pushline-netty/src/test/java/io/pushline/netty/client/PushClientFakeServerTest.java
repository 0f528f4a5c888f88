package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.PushlineException;
import io.pushline.netty.client.PushClient.State;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PushClient} against a scripted server on a plain {@link ServerSocket}, for what a real server does not do
 * on demand: refuse a subscription, drop the connection while a command waits for its reply.
 */
class PushClientFakeServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final List<State> states = new CopyOnWriteArrayList<>();
    private final List<String> listenerThreads = new CopyOnWriteArrayList<>();
    private ServerSocket listener;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private PushClient client(PushClientBuilder builder) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listener.setSoTimeout((int) TIMEOUT.toMillis());
        toClose.add(listener);
        PushClient client = builder
                .host("127.0.0.1")
                .port(listener.getLocalPort())
                .reconnectPolicy(ReconnectPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(100)))
                .onMessage(m -> {
                    listenerThreads.add(Thread.currentThread().getName());
                    received.add(m);
                })
                .onStateChange(states::add)
                .build();
        toClose.add(client);
        return client;
    }

    private Peer accept() throws IOException {
        Peer peer = new Peer(listener.accept());
        toClose.add(peer);
        return peer;
    }

    private static <T> T get(CompletableFuture<T> future) {
        return future.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    @Test
    void aRefusedSubscriptionFailsAndIsForgotten() throws Exception {
        PushClient client = client(PushClient.builder());
        CompletableFuture<PushClient> connected = client.connect();
        Peer peer = accept();
        get(connected);
        CompletableFuture<Void> refused = client.subscribe("secret");
        CompletableFuture<Void> accepted = client.subscribe("public");
        assertThat(peer.readLine()).isEqualTo("SUB secret");
        assertThat(peer.readLine()).isEqualTo("SUB public");
        peer.write("MSG public - early bird\r\n-ERR not allowed\r\n+OK\r\n");

        assertThatThrownBy(() -> get(refused)).cause().isExactlyInstanceOf(PushlineException.class)
                .hasMessage("not allowed");
        get(accepted);
        assertThat(client.topics()).containsExactly("public");
        Message m = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(m).isNotNull();
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("early bird");
        assertThat(listenerThreads).allSatisfy(name -> assertThat(name).startsWith("pushline-client"));
    }

    @Test
    void aDroppedConnectionFailsPendingCommandsThenReconnectsAndSubscribesAgain() throws Exception {
        PushClient client = client(PushClient.builder());
        client.subscribe("kept");
        client.psubscribe("kept.*");
        CompletableFuture<PushClient> connected = client.connect();
        Peer first = accept();
        get(connected);
        assertThat(first.readLine()).isEqualTo("SUB kept");
        assertThat(first.readLine()).isEqualTo("PSUB kept.*");
        first.write("+OK\r\n+OK\r\n");
        CompletableFuture<String> ping = client.ping("anyone");
        assertThat(first.readLine()).isEqualTo("PING anyone");
        first.close();

        assertThatThrownBy(() -> get(ping)).cause().isExactlyInstanceOf(PushlineException.class)
                .hasMessage("connection lost");
        Peer second = accept();
        assertThat(List.of(second.readLine(), second.readLine())).containsExactlyInAnyOrder("SUB kept",
                "PSUB kept.*");
        await().atMost(TIMEOUT).until(() -> client.state() == State.CONNECTED);
        assertThat(states).containsSubsequence(State.CONNECTING, State.CONNECTED, State.DISCONNECTED,
                State.CONNECTING, State.CONNECTED);
    }

    @Test
    void unsubscribingWhileDisconnectedCompletesAtOnceAndCancelsTheWaitingSubscribe() throws Exception {
        PushClient client = client(PushClient.builder());
        CompletableFuture<Void> waiting = client.subscribe("a");
        CompletableFuture<Void> kept = client.subscribe("b");
        get(client.unsubscribe("a"));
        assertThatThrownBy(() -> get(waiting)).cause().isInstanceOf(PushlineException.class)
                .hasMessage("unsubscribed before the subscription was sent");
        assertThat(client.topics()).containsExactly("b");

        CompletableFuture<PushClient> connected = client.connect();
        Peer peer = accept();
        get(connected);
        assertThat(peer.readLine()).isEqualTo("SUB b");
        peer.write("+OK\r\n");
        get(kept);

        client.close();
        assertThat(client.state()).isEqualTo(State.CLOSED);
        assertThat(peer.readLine()).as("end of stream once closed").isNull();
    }

    @Test
    void closingFailsWhatWaitsForAConnection() throws Exception {
        PushClient client = client(PushClient.builder());
        CompletableFuture<Void> waiting = client.subscribe("never");
        client.close();
        assertThatThrownBy(() -> get(waiting)).cause().isInstanceOf(PushlineException.class)
                .hasMessage("client closed");
        assertThat(states).containsExactly(State.CLOSED);
    }

    @Test
    void aBorrowedEventLoopGroupIsUsedAndNotShutDown() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            PushClient client = client(PushClient.builder().eventLoopGroup(group));
            CompletableFuture<PushClient> connected = client.connect();
            Peer peer = accept();
            get(connected);
            CompletableFuture<Boolean> subscribedOnLoop = client.subscribe("t")
                    .thenApply(ok -> group.next().inEventLoop());
            assertThat(peer.readLine()).isEqualTo("SUB t");
            CompletableFuture<String> pong = client.ping();
            assertThat(peer.readLine()).isEqualTo("PING");
            peer.write("+OK\r\nPONG\r\n");
            assertThat(get(subscribedOnLoop)).isTrue();
            assertThat(get(pong)).isEmpty();
            client.close();
            assertThat(group.isShuttingDown()).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Records the resume listener's calls as {@code "recovered t 2"} and {@code "lost t"}. */
    private final List<String> resumes = new CopyOnWriteArrayList<>();

    private final ResumeListener recordResumes = new ResumeListener() {
        @Override
        public void recovered(String topic, int count) {
            resumes.add("recovered " + topic + " " + count);
        }

        @Override
        public void lost(String topic) {
            resumes.add("lost " + topic);
        }
    };

    /** The next {@code n} messages as {@code "<position> <payload>"}. */
    private List<String> texts(int n) throws InterruptedException {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("message %d of %d", i + 1, n).isNotNull();
            texts.add(m.position() + " " + new String(m.payload(), StandardCharsets.UTF_8));
        }
        return texts;
    }

    @Test
    void duplicatesAreDroppedAndAGapIsResumedWhileLiveMessagesWaitForTheReply() throws Exception {
        PushClient client = client(PushClient.builder().onResume(recordResumes));
        CompletableFuture<PushClient> connected = client.connect();
        Peer peer = accept();
        get(connected);
        CompletableFuture<Void> subscribed = client.subscribe("t");
        assertThat(peer.readLine()).isEqualTo("SUB t");
        peer.write("+OK 5.e\r\nMSG t 6.e a\r\nMSG t 6.e a\r\nMSG t 5.e old\r\nMSG t 8.e c\r\n");
        get(subscribed);
        assertThat(peer.readLine()).as("the gap after 6 is resumed").isEqualTo("SUB t FROM 6.e");
        CompletableFuture<Void> again = client.subscribe("t"); // joins the resume in flight
        CompletableFuture<String> pong = client.ping();
        assertThat(peer.readLine()).as("no second SUB while one is in flight").isEqualTo("PING");
        // a live message written before the reply is dropped: the replay brings it
        peer.write("MSG t 7.e b\r\n+OK 8.e RECOVERED 2\r\nMSG t 7.e b\r\nMSG t 8.e c\r\nPONG\r\nMSG t 9.e d\r\n");
        get(again);
        get(pong);
        assertThat(texts(4)).containsExactly("6.e a", "7.e b", "8.e c", "9.e d");
        assertThat(resumes).containsExactly("recovered t 2");
        assertThat(client.positions()).containsExactly(Map.entry("t", Position.of(9, "e")));

        peer.write("MSG t 11.e f\r\n"); // 10 never comes, even after the resume: taken as lost
        assertThat(peer.readLine()).isEqualTo("SUB t FROM 9.e");
        peer.write("+OK 11.e RECOVERED 2\r\nMSG t 11.e f\r\nMSG t 12.e g\r\n");
        assertThat(texts(2)).containsExactly("11.e f", "12.e g");
        assertThat(resumes).containsExactly("recovered t 2", "recovered t 2", "lost t");

        peer.write("MSG $lost 3.e t\r\nMSG $lost 20.e t\r\nMSG t 21.e h\r\nMSG $dropped - 4\r\n");
        assertThat(texts(2)).as("a notice behind the position changes nothing").containsExactly("21.e h",
                "null 4");
        assertThat(resumes).containsExactly("recovered t 2", "recovered t 2", "lost t", "lost t");

        peer.close(); // the next connection resumes from the last position
        Peer second = accept();
        assertThat(second.readLine()).isEqualTo("SUB t FROM 21.e");
        second.write("+OK 25.F LOST\r\nMSG t 26.F i\r\n");
        assertThat(texts(1)).containsExactly("26.F i");
        assertThat(resumes).endsWith("lost t").hasSize(5);
        assertThat(client.positions()).containsEntry("t", Position.of(26, "F"));
    }

    @Test
    void positionsStartFromTheBuilderAndLastAsksForTheLatestMessages() throws Exception {
        PushClient client = client(PushClient.builder().onResume(recordResumes)
                .positions(Map.of("saved", Position.of(41, "e"), "gone", Position.of(1, "e"))));
        assertThat(client.positions()).containsOnlyKeys("saved", "gone");
        client.subscribe("saved");
        client.subscribeLast("fresh", 3);
        client.subscribeLast("saved", 3); // it has a position: resumes from it instead
        assertThatThrownBy(() -> get(client.subscribeLast("fresh", -1))).cause()
                .isInstanceOf(IllegalArgumentException.class);
        CompletableFuture<PushClient> connected = client.connect();
        Peer peer = accept();
        get(connected);
        List<String> sent = List.of(peer.readLine(), peer.readLine());
        assertThat(sent).containsExactlyInAnyOrder("SUB saved FROM 41.e", "SUB fresh LAST 3");
        for (String command : sent) { // replies in the order of the commands
            peer.write(command.startsWith("SUB saved") ? "+OK 42.e RECOVERED 1\r\n" : "+OK 9.e RECOVERED 3\r\n");
        }
        peer.write("MSG saved 42.e s\r\nMSG fresh 7.e a\r\nMSG fresh 8.e b\r\nMSG fresh 9.e c\r\n");
        assertThat(texts(4)).containsExactly("42.e s", "7.e a", "8.e b", "9.e c");
        assertThat(resumes).containsExactlyInAnyOrder("recovered saved 1", "recovered fresh 3");
        CompletableFuture<Void> unsubscribed = client.unsubscribe("saved");
        assertThat(peer.readLine()).isEqualTo("UNSUB saved");
        peer.write("+OK\r\n");
        get(unsubscribed);
        assertThat(client.positions()).as("unsubscribing forgets the position")
                .containsOnlyKeys("fresh", "gone");
        CompletableFuture<Void> plain = client.subscribe("plain");
        assertThat(peer.readLine()).isEqualTo("SUB plain");
        peer.write("+OK\r\nMSG plain 1.e x\r\nMSG plain 1.e x\r\n"); // no history: passed on as they come
        get(plain);
        assertThat(texts(2)).containsExactly("1.e x", "1.e x");
        assertThat(client.positions()).doesNotContainKey("plain");
        assertThatThrownBy(() -> PushClient.builder().positions(Map.of("bad topic", Position.of(1, "e"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad topic");
    }

    /** One accepted connection, read line by line. */
    private static final class Peer implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.out = socket.getOutputStream();
        }

        String readLine() {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(String text) {
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
