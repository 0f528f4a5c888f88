package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Framing;
import io.pushline.Protocol;
import io.pushline.netty.client.PushClient;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connection limits, heartbeats, idle timeouts and hostile input, over real sockets. */
class HardeningTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private PushServer start(PushServerBuilder builder) {
        return closer.add(builder.host("127.0.0.1").port(0).build().start());
    }

    private TcpTestClient connect(PushServer server) {
        return closer.add(new TcpTestClient(server.port()));
    }

    @Test
    void connectionsOverTheLimitAreRefusedWithAReason() {
        PushServer server = start(PushServer.builder().limits(l -> l.maxConnections(2)).onClientFrame(io.pushline.ClientHandlers.echo()));
        TcpTestClient first = connect(server);
        TcpTestClient second = connect(server);
        await().until(() -> server.connectionCount() == 2);
        TcpTestClient third = connect(server);
        assertThat(third.readLine()).isEqualTo("-ERR too many connections");
        assertThat(third.closedByServer()).isTrue();
        first.send("still served\n");
        assertThat(first.readLine()).isEqualTo("still served");
        second.close();
        await().until(() -> server.connectionCount() == 1);
        TcpTestClient fourth = connect(server);
        fourth.send("admitted\n");
        assertThat(fourth.readLine()).isEqualTo("admitted");
    }

    @Test
    void connectionsPerRemoteAddressAreLimited() throws IOException {
        PushServer server = start(PushServer.builder().limits(l -> l.maxConnectionsPerAddress(2))
                .onClientFrame(io.pushline.ClientHandlers.echo()));
        connect(server);
        connect(server);
        await().until(() -> server.connectionCount() == 2);
        TcpTestClient refused = connect(server);
        assertThat(refused.readLine()).isEqualTo("-ERR too many connections");
        // another source address on the loopback network is another peer
        try (Socket other = new Socket()) {
            other.bind(new InetSocketAddress("127.0.0.2", 0));
            other.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            other.setSoTimeout(10_000);
            other.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = other.getInputStream().readNBytes(4);
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("hi\r\n");
        }
    }

    @Test
    void aSilentCommandsClientIsPingedThenClosed() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .timeouts(t -> t.heartbeatInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(1000))));
        TcpTestClient silent = connect(server);
        String line;
        int pings = 0;
        while ((line = silent.readLine()).equals("PING")) {
            pings++;
        }
        assertThat(pings).isBetween(3, 5);
        assertThat(line).isEqualTo("-ERR idle timeout");
        assertThat(silent.closedByServer()).isTrue();
    }

    @Test
    void aClientThatAnswersPongStaysConnected() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .timeouts(t -> t.heartbeatInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(1000))));
        TcpTestClient alive = connect(server);
        for (int i = 0; i < 10; i++) { // about 2 s, twice the idle timeout
            assertThat(alive.readLine()).isEqualTo("PING");
            alive.send("PONG\r\n"); // no reply: it answers the server, it is not a command
        }
        alive.send("PING still here\r\n");
        String reply;
        do {
            reply = alive.readLine();
        } while (reply.equals("PING"));
        assertThat(reply).isEqualTo("PONG still here");
    }

    @Test
    void pushClientAnswersHeartbeatsByItself() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .timeouts(t -> t.heartbeatInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(500))));
        PushClient client = closer.add(PushClient.builder().host("127.0.0.1").port(server.port()).build());
        client.connect().join();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> client.state() == PushClient.State.CONNECTED && server.clients().size() == 1);
    }

    @Test
    void rawHeartbeatsAreSentWhenNothingElseIs() {
        PushServer server = start(PushServer.builder().timeouts(t -> t.heartbeatInterval(Duration.ofMillis(100))
                .rawHeartbeat("hb".getBytes(StandardCharsets.US_ASCII))));
        TcpTestClient client = connect(server);
        assertThat(client.readLine()).isEqualTo("hb");
        assertThat(client.readLine()).isEqualTo("hb");
    }

    @Test
    void aHalfOpenRawPeerIsClosedByTheIdleTimeout() {
        PushServer server = start(PushServer.builder().timeouts(t -> t.heartbeatInterval(Duration.ofMillis(100))
                .idleTimeout(Duration.ofMillis(500))));
        TcpTestClient silent = connect(server); // sends nothing, like a peer whose host vanished
        await().until(() -> server.connectionCount() == 1);
        assertThat(silent.closedByServer()).isTrue();
        await().until(() -> server.connectionCount() == 0 && server.clients().isEmpty());
    }

    @Test
    void theIdleTimeoutMustExceedTheHeartbeatInterval() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PushServer.builder()
                .timeouts(t -> t.heartbeatInterval(Duration.ofSeconds(10)).idleTimeout(Duration.ofSeconds(5))).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("idleTimeout (PT5S) must exceed heartbeatInterval (PT10S)");
    }

    @Test
    void aGibibyteWithoutANewlineIsCutOffEarlyAndOthersAreUnaffected() throws IOException {
        PushServer server = start(PushServer.builder().framing(Framing.lines(64 * 1024))
                .onClientFrame(io.pushline.ClientHandlers.echo()));
        TcpTestClient bystander = connect(server);
        long sent = 0;
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        try (Socket flood = new Socket("127.0.0.1", server.port())) {
            flood.setSoTimeout(10_000);
            OutputStream out = flood.getOutputStream();
            try {
                while (sent < (1L << 30)) {
                    out.write(chunk);
                    sent += chunk.length;
                }
            } catch (IOException expected) {
                // the server closed the connection: writing on fails with a reset or broken pipe
            }
            InputStream in = flood.getInputStream();
            String answer;
            try {
                answer = new String(in.readNBytes(21), StandardCharsets.US_ASCII);
            } catch (IOException reset) {
                answer = "(reset)";
            }
            assertThat(answer).isIn("-ERR frame too long\r\n", "(reset)", "");
        }
        assertThat(sent).as("bytes accepted before the server cut the stream").isLessThan(1L << 30);
        bystander.send("unaffected\n");
        assertThat(bystander.readLine()).isEqualTo("unaffected");
    }

    @Test
    void tenThousandConnectResetCyclesLeaveNothingBehind() throws IOException {
        PushServer server = start(PushServer.builder().defaultTopics("updates"));
        for (int i = 0; i < 10_000; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoLinger(true, 0); // close with RST
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> server.connectionCount() == 0 && server.clients().isEmpty() && server.topics().isEmpty());
        TcpTestClient after = connect(server);
        await().until(() -> server.topics().contains("updates"));
        ((io.pushline.InMemoryMessageSource) server.source()).publish("updates",
                "alive".getBytes(StandardCharsets.US_ASCII)).join();
        assertThat(after.readLine()).isEqualTo("alive");
    }

    @Test
    void aFloodingClientIsThrottledButEveryCommandIsAnswered() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .limits(l -> l.inboundRateLimit(200).inboundRatePolicy(io.pushline.RateLimitPolicy.THROTTLE)));
        TcpTestClient flood = connect(server);
        long started = System.nanoTime();
        flood.send("PING\r\n".repeat(600)); // 200 in the burst, then 400 more at 200/s
        for (int i = 0; i < 600; i++) {
            assertThat(flood.readLine()).isEqualTo("PONG");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("600 frames at 200/s after a burst of 200").isGreaterThan(Duration.ofMillis(1500));
        assertThat(server.metrics().connectionsClosedTotal()).isZero();
    }

    @Test
    void aFloodingClientIsDisconnectedWhenThePolicySaysSo() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS)
                .limits(l -> l.inboundRateLimit(50).inboundRatePolicy(io.pushline.RateLimitPolicy.DISCONNECT)));
        TcpTestClient flood = connect(server);
        flood.send("PING\r\n".repeat(200));
        String line;
        int pongs = 0;
        while ((line = flood.readLine()).equals("PONG")) {
            pongs++;
        }
        // the burst of 50 is answered; then the limit bites (tokens refilled during a slow run may add a few)
        assertThat(pongs).isGreaterThanOrEqualTo(50).isLessThan(200);
        assertThat(line).isEqualTo("-ERR rate limit exceeded");
        assertThat(flood.closedByServer()).isTrue();
        await().until(() -> server.metrics().connectionsClosed().get(io.pushline.CloseReason.RATE_LIMITED) == 1);
    }
}
