package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.pushline.Message;
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
