package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.ClientHandlers;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.internal.server.NettyClient;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What an attacker tried with nothing but the documented protocol, over real sockets: each must stay harmless. */
class HostileInputTest {
    private static final int MAX_QUEUED = 64 * 1024;
    private static final int MAX_FRAME = 64 * 1024;
    /** The most a connection's outbound buffer may hold: its bound plus one frame (and framing bytes). */
    private static final long BOUND = MAX_QUEUED + MAX_FRAME + 64;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private PushServer start(PushServerBuilder builder) {
        return closer.add(builder.host("127.0.0.1").port(0).limits(l -> l.maxQueuedBytes(MAX_QUEUED))
                .framing(Framing.lines(MAX_FRAME)).build().start());
    }

    private TcpTestClient connect(PushServer server) {
        return closer.add(new TcpTestClient(server.port()));
    }

    private static void publish(PushServer server, String topic, String payload) {
        ((InMemoryMessageSource) server.source()).publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    /** Bytes queued by the server for a client and not yet written to its socket. */
    private static long pending(NettyClient client) {
        ChannelOutboundBuffer out = client.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    private static NettyClient only(PushServer server) {
        await().until(() -> server.clients().size() == 1);
        return (NettyClient) server.clients().iterator().next();
    }

    /** Writes {@code line} over and over on a thread of its own until the socket is closed (writes block first). */
    private Socket flood(PushServer server, byte[] line, AtomicLong written) {
        // a small receive buffer, never read: the server's writes stall at once
        Socket socket = closer.add(new TcpTestClient(server.port(), 4096)).socket();
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                while (true) {
                    out.write(line);
                    written.addAndGet(line.length);
                }
            } catch (IOException closed) {
                // expected: the server closed the connection, or the test did: the flood is over
            }
        }, "flood");
        writer.setDaemon(true);
        writer.start();
        return socket;
    }

    private static byte[] line(String prefix, int length) {
        byte[] line = new byte[length + 2];
        Arrays.fill(line, (byte) 'x');
        byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, line, 0, head.length);
        line[length] = '\r';
        line[length + 1] = '\n';
        return line;
    }

    @ParameterizedTest
    @EnumSource(SlowConsumerPolicy.class)
    void repliesToAClientThatNeverReadsCountAgainstItsBound(SlowConsumerPolicy policy) throws IOException {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS).limits(l -> l.slowConsumerPolicy(policy)));
        AtomicLong written = new AtomicLong();
        flood(server, line("PING ", 60_000), written);
        assertBoundedWhileNotReading(server, policy, written);
        TcpTestClient bystander = connect(server);
        bystander.send("PING still served\r\n");
        assertThat(bystander.readLine()).isEqualTo("PONG still served");
    }

    @ParameterizedTest
    @EnumSource(SlowConsumerPolicy.class)
    void echoesToAClientThatNeverReadsCountAgainstItsBound(SlowConsumerPolicy policy) throws IOException {
        PushServer server = start(PushServer.builder().onClientFrame(ClientHandlers.echo())
                .limits(l -> l.slowConsumerPolicy(policy)));
        AtomicLong written = new AtomicLong();
        flood(server, line("", 60_000), written);
        assertBoundedWhileNotReading(server, policy, written);
        TcpTestClient bystander = connect(server);
        bystander.send("echo me\n");
        assertThat(bystander.readLine()).isEqualTo("echo me");
    }

    /**
     * DISCONNECT cuts the client as a slow consumer; DROP stops reading from it while its replies cannot be
     * written, so its own TCP window pushes back on it and the server's queue stays within the bound.
     */
    private static void assertBoundedWhileNotReading(PushServer server, SlowConsumerPolicy policy, AtomicLong written) {
        if (policy == SlowConsumerPolicy.DISCONNECT) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().connectionsClosed()
                    .getOrDefault(CloseReason.SLOW_CONSUMER, 0L) == 1L);
            return;
        }
        NettyClient attacker = only(server);
        await().atMost(Duration.ofSeconds(10)).until(() -> !attacker.channel().config().isAutoRead());
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> pending(attacker) <= BOUND && attacker.channel().isActive());
        assertThat(written.get()).as("bytes the server accepted").isLessThan(64L * 1024 * 1024);
    }

    @Test
    void aPatternWithManyStarsCannotStallDelivery() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS));
        TcpTestClient attacker = connect(server);
        attacker.send("PSUB " + "*a".repeat(20) + "*b\r\n");
        assertThat(attacker.readLine()).isEqualTo("+OK");
        TcpTestClient bystander = connect(server);
        bystander.send("SUB news\r\n");
        assertThat(bystander.readLine()).isEqualTo("+OK");
        long started = System.nanoTime();
        publish(server, "a".repeat(250), "bait"); // backtracking would take years on this pair
        publish(server, "news", "still flowing");
        assertThat(bystander.readLine()).isEqualTo("MSG news - still flowing");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        attacker.send("PING\r\n");
        assertThat(attacker.readLine()).as("no push: the pattern does not match").isEqualTo("PONG");
    }

    /** Two patterns of one client that both match, or only one of which matches (bytes, as Redis counts them). */
    @ParameterizedTest(name = "{0} and {1} on {2}")
    @CsvSource(delimiter = '|', value = {
        "?|é|é",
        "??|é|é",
        "[x|\\[*|[x",
        "[x|x*|x",
        "news.*|news.?|news.a",
    })
    void aClientHoldingTwoMatchingPatternsGetsEachMessageOnce(String first, String second, String topic) {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS));
        TcpTestClient c = connect(server);
        c.send("PSUB " + first + "\r\nPSUB " + second + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        publish(server, topic, "one");
        publish(server, topic, "one"); // the same message twice in a row is two messages
        publish(server, topic, "two");
        publish(server, topic, "end"); // a duplicate of the others would come before this one
        List<String> lines = new ArrayList<>();
        for (String line = c.readLine(); !line.equals("MSG " + topic + " - end"); line = c.readLine()) {
            lines.add(line);
        }
        assertThat(lines).containsExactly("MSG " + topic + " - one", "MSG " + topic + " - one",
                "MSG " + topic + " - two");
    }

    @Test
    void aBareCarriageReturnIsNeverEchoedInsideALine() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS));
        TcpTestClient c = connect(server);
        c.send("PING a\rb\r\nPING ok\r\n");
        assertThat(c.readLine()).startsWith("-ERR ");
        assertThat(c.readLine()).isEqualTo("PONG ok");
    }

    @Test
    void reservedTopicsCannotBeSubscribedPublishedOrForged() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS).allowPublish(true));
        TcpTestClient c = connect(server);
        c.send("SUB $dropped\r\nPSUB $*\r\nPUB $dropped 999999\r\nPSUB *\r\n");
        assertThat(c.readLine()).startsWith("-ERR reserved topic");
        assertThat(c.readLine()).startsWith("-ERR reserved pattern");
        assertThat(c.readLine()).startsWith("-ERR reserved topic");
        assertThat(c.readLine()).isEqualTo("+OK");
        publish(server, "$dropped", "999999"); // straight into the source: a pattern must not deliver it
        publish(server, "real", "news");
        assertThat(c.readLine()).isEqualTo("MSG real - news");
        assertThat(server.metrics().messagesDropped()).containsEntry(DropReason.INVALID_TOPIC, 1L);
    }

    @Test
    void subscriptionsPerConnectionAreLimited() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .limits(l -> l.maxSubscriptionsPerConnection(3, 1)));
        TcpTestClient c = connect(server);
        c.send("SUB a\r\nSUB b\r\nSUB c\r\nSUB d\r\nSUB a\r\nPSUB x.*\r\nPSUB y.*\r\nUNSUB a\r\nSUB d\r\n");
        for (int i = 0; i < 3; i++) {
            assertThat(c.readLine()).isEqualTo("+OK");
        }
        assertThat(c.readLine()).isEqualTo("-ERR too many subscriptions (at most 3 topics)");
        assertThat(c.readLine()).as("already held: no new subscription").isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("-ERR too many subscriptions (at most 1 patterns)");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).as("room again after UNSUB").isEqualTo("+OK");
        assertThat(server.topics()).containsExactlyInAnyOrder("b", "c", "d");
    }

    @Test
    void aFrameStartedButNeverFinishedIsCutOffAtTheFrameTimeout() throws IOException {
        // raw clients have no idle timeout by default: only the frame deadline ends this one
        PushServer server = start(PushServer.builder().timeouts(t -> t.frameTimeout(Duration.ofMillis(500))));
        TcpTestClient partial = connect(server);
        byte[] almost = new byte[60_000];
        Arrays.fill(almost, (byte) 'x');
        partial.sendBytes(almost); // no line break, ever
        assertThat(partial.readLine()).isEqualTo("-ERR frame timeout");
        assertThat(partial.closedByServer()).isTrue();
        await().until(() -> server.metrics().connectionsClosed()
                .getOrDefault(CloseReason.IDLE_TIMEOUT, 0L) == 1L);
    }

    @Test
    void bytesTricklingInWithoutAFrameAreNotActivity() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .timeouts(t -> t.heartbeatInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(800))
                .frameTimeout(Duration.ofSeconds(30))));
        TcpTestClient slowloris = connect(server);
        long started = System.nanoTime();
        String line;
        int sent = 0;
        do {
            slowloris.send("P"); // one byte of a frame that never ends, after each heartbeat
            sent++;
            line = slowloris.readLine();
        } while (line.equals("PING"));
        assertThat(line).isEqualTo("-ERR idle timeout");
        assertThat(sent).isLessThan(10);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void oneAddressCannotTakeEverySlotByDefault() throws IOException {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).build().start());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS; i++) {
                Socket s = new Socket();
                held.add(s); // closed below even when it fails to connect
                s.bind(new InetSocketAddress("127.0.0.3", 0));
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == held.size());
            try (Socket refused = new Socket()) {
                refused.bind(new InetSocketAddress("127.0.0.3", 0));
                refused.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                refused.setSoTimeout(10_000);
                assertThat(new String(refused.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("-ERR too many connections\r\n");
            }
            connect(server); // from 127.0.0.1: another address, still welcome
            await().until(() -> server.connectionCount() == held.size() + 1);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aLineOfExactlyTheMaximumLengthIsAcceptedWhenCrAndLfArriveApart() throws IOException {
        PushServer server = start(PushServer.builder().onClientFrame(ClientHandlers.echo()));
        TcpTestClient c = connect(server);
        byte[] line = new byte[MAX_FRAME + 1];
        Arrays.fill(line, (byte) 'y');
        line[MAX_FRAME] = '\r';
        c.socket().setTcpNoDelay(true);
        c.sendBytes(line); // the maximum length and its CR ...
        c.sendBytes(new byte[] {'\n'}); // ... then its LF, usually in a segment of its own (FrameDecodingTest: always)
        assertThat(c.readLine()).hasSize(MAX_FRAME);
    }
}
