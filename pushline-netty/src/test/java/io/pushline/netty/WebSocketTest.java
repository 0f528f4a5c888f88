package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.CloseReason;
import io.pushline.Framing;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushMetrics;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import io.pushline.test.WebSocketTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The WebSocket port over real sockets, against the JDK's WebSocket client. */
class WebSocketTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private InMemoryMessageSource source;

    private PushServer start(Protocol protocol, UnaryOperator<ServerWebSocket.Builder> ws,
            UnaryOperator<PushServerBuilder> more) {
        source = InMemoryMessageSource.withHistory(HistoryOptions.builder().size(100).build());
        PushServerBuilder b = PushServer.builder().source(source).host("127.0.0.1").port(0).protocol(protocol)
                .webSocket(ws.apply(ServerWebSocket.builder().port(0)).build());
        return closer.add(more.apply(b).build().start());
    }

    private PushServer start(Protocol protocol) {
        return start(protocol, w -> w, b -> b);
    }

    private WebSocketTestClient connect(PushServer server) {
        return closer.add(WebSocketTestClient.connect(uri(server, "/ws")));
    }

    private static URI uri(PushServer server, String path) {
        return URI.create("ws://127.0.0.1:" + server.webSocketPort() + path);
    }

    private void publish(String topic, byte[] payload) {
        source.publish(topic, payload).join();
    }

    private void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static Position sub(WebSocketTestClient c, String command) {
        c.send(command);
        String reply = c.nextText();
        assertThat(reply).startsWith("+OK ");
        return Position.parse(reply.substring(4).split(" ")[0]).orElseThrow();
    }

    @Test
    void commandsClientsSubscribeAndReceiveOneMessagePerFrameAsText() {
        PushServer server = start(Protocol.COMMANDS);
        WebSocketTestClient c = connect(server);
        Position top = sub(c, "SUB news");
        publish("news", "hello world");
        assertThat(c.nextText()).isEqualTo("MSG news " + top.plus(1) + " hello world");
        c.send("PING there");
        assertThat(c.nextText()).isEqualTo("PONG there");
        PushMetrics m = server.metrics();
        assertThat(m.webSocket().connections()).isEqualTo(1);
        assertThat(m.webSocket().messagesDelivered()).isEqualTo(1);
        assertThat(m.webSocket().bytesDelivered()).isGreaterThan("MSG news 1 hello world".length());
    }

    @Test
    void tcpAndWebSocketClientsShareTopicsAndEachGetsItsOwnEncoding() {
        PushServer server = start(Protocol.COMMANDS);
        WebSocketTestClient ws = connect(server);
        TcpTestClient tcp = closer.add(new TcpTestClient(server.port()));
        Position top = sub(ws, "SUB news");
        tcp.send("SUB news\r\n");
        assertThat(tcp.readLine()).startsWith("+OK ");
        for (int i = 1; i <= 300; i++) {
            publish("news", "m" + i);
        }
        for (int i = 1; i <= 300; i++) {
            String expected = "MSG news " + top.plus(i) + " m" + i;
            assertThat(ws.nextText()).isEqualTo(expected);
            assertThat(tcp.readLine()).isEqualTo(expected);
        }
        await().untilAsserted(() -> assertThat(server.metrics().messagesDelivered()).isEqualTo(600));
        assertThat(server.metrics().webSocket().messagesDelivered()).isEqualTo(300);
    }

    @Test
    void payloadsThatAreNotUtf8GoAsBinaryMessagesAndBinaryCommandsAreAccepted() {
        PushServer server = start(Protocol.COMMANDS, w -> w,
                b -> b.framing(Framing.lengthPrefixed(1024)).allowPublish(true));
        WebSocketTestClient c = connect(server);
        Position top = sub(c, "SUB bin");
        byte[] payload = {(byte) 0xff, 0, (byte) 0xfe, '\n'};
        publish("bin", payload);
        byte[] frame = c.nextBinary();
        byte[] header = ("MSG bin " + top.plus(1) + " ").getBytes(StandardCharsets.US_ASCII);
        assertThat(frame).startsWith(header).endsWith(payload).hasSize(header.length + payload.length);
        c.sendBinary("PUB bin caf\u00e9".getBytes(StandardCharsets.UTF_8));
        assertThat(c.nextText()).isEqualTo("+OK");
        assertThat(c.nextText()).isEqualTo("MSG bin " + top.plus(2) + " caf\u00e9");
    }

    @Test
    void rawClientsGetTheDefaultTopicsPayloadsAlone() {
        PushServer server = start(Protocol.RAW, w -> w, b -> b.defaultTopics("updates"));
        WebSocketTestClient c = connect(server);
        await().until(() -> server.isSubscribed("updates"));
        publish("updates", "plain");
        assertThat(c.nextText()).isEqualTo("plain");
    }

    @Test
    void aResumeOverWebSocketReplaysWhatWasMissed() {
        PushServer server = start(Protocol.COMMANDS);
        WebSocketTestClient first = connect(server);
        Position top = sub(first, "SUB h");
        publish("h", "one");
        assertThat(first.nextText()).isEqualTo("MSG h " + top.plus(1) + " one");
        first.close();
        for (int i = 2; i <= 5; i++) {
            publish("h", "m" + i);
        }
        WebSocketTestClient again = connect(server);
        again.send("SUB h FROM " + top.plus(1));
        assertThat(again.nextText()).isEqualTo("+OK " + top.plus(5) + " RECOVERED 4");
        for (int i = 2; i <= 5; i++) {
            assertThat(again.nextText()).isEqualTo("MSG h " + top.plus(i) + " m" + i);
        }
        publish("h", "live");
        assertThat(again.nextText()).isEqualTo("MSG h " + top.plus(6) + " live");
    }

    @Test
    void theOriginIsCheckedAgainstThePagesOwnAndTheAllowList() {
        PushServer server = start(Protocol.COMMANDS, w -> w.allowedOrigins("https://app.example.com"), b -> b);
        URI uri = uri(server, "/ws");
        String own = "http://127.0.0.1:" + server.webSocketPort();
        closer.add(WebSocketTestClient.connect(uri, Map.of("Origin", own), null));
        closer.add(WebSocketTestClient.connect(uri, Map.of("Origin", "https://APP.example.com:443"), null));
        for (String foreign : new String[] {"https://evil.example", "http://127.0.0.1:1", "null",
                "https://app.example.com.evil.example"}) {
            assertThatThrownBy(() -> WebSocketTestClient.open(uri, Map.of("Origin", foreign), null).join())
                    .as(foreign).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                            .isEqualTo(403));
        }
        assertThat(server.metrics().webSocket().handshakesRefused()).isEqualTo(4);
        assertThat(server.metrics().webSocket().connectionsOpened()).isEqualTo(2);
    }

    @Test
    void anyOriginWhenAllowed() {
        PushServer server = start(Protocol.COMMANDS, ServerWebSocket.Builder::allowAnyOrigin, b -> b);
        WebSocketTestClient c = closer.add(WebSocketTestClient.connect(uri(server, "/ws"),
                Map.of("Origin", "https://anyone.example"), null));
        sub(c, "SUB x");
    }

    @Test
    void staticFilesAreServedAndOtherPathsAreNotFound() throws Exception {
        byte[] page = "<!doctype html><title>hi</title>".getBytes(StandardCharsets.UTF_8);
        PushServer server = start(Protocol.COMMANDS, w -> w.resource("/", "text/html; charset=utf-8", page), b -> b);
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.webSocketPort();
        HttpResponse<byte[]> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/?topics=a,b")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(page);
        assertThat(ok.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(ok.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/nothing")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/")).POST(
                HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(405);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/ws")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(400); // no upgrade
    }

    @Test
    void aMessageLongerThanTheMaximumFrameLengthClosesTheConnectionFromItsHeader() {
        PushServer server = start(Protocol.COMMANDS, w -> w, b -> b.framing(Framing.lines(64)));
        WebSocketTestClient c = connect(server);
        c.send("PUB x " + "y".repeat(100));
        assertThat(c.closed()).succeedsWithin(Duration.ofSeconds(10)).asString().startsWith("1009");
        await().untilAsserted(() -> assertThat(server.metrics().connections()).isZero());
    }

    @Test
    void aConnectionThatDoesNotUpgradeInTimeIsClosed() {
        PushServer server = start(Protocol.COMMANDS, w -> w.handshakeTimeout(Duration.ofMillis(300)), b -> b);
        TcpTestClient idle = closer.add(new TcpTestClient(server.webSocketPort()));
        idle.send("GET /ws HTTP/1.1\r\nHost: x\r\n"); // and never the end of the headers
        await().atMost(Duration.ofSeconds(5)).until(idle::closedByServer);
        assertThat(server.metrics().webSocket().handshakesRefused()).isEqualTo(1);
        assertThat(server.metrics().connections()).isZero();
    }

    @Test
    void theServerPingsASilentBrowserWhichStaysConnectedByAnsweringWithPongs() {
        PushServer server = start(Protocol.COMMANDS, w -> w, b -> b.timeouts(t -> t
                .heartbeatInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(450))));
        WebSocketTestClient c = connect(server);
        await().atMost(Duration.ofSeconds(10)).until(() -> c.pings() >= 8); // well past the idle timeout
        assertThat(c.closed()).isNotDone();
        assertThat(server.metrics().connections()).isEqualTo(1);
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedAsASlowConsumerWithAPolicyClose() {
        PushServer server = start(Protocol.COMMANDS, w -> w, b -> b.limits(l -> l.maxQueuedBytes(64 * 1024)));
        WebSocketTestClient c = connect(server);
        sub(c, "SUB flood");
        c.stopReading();
        byte[] payload = "z".repeat(1000).getBytes(StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < 200; i++) {
                publish("flood", payload);
            }
            return server.metrics().connectionsClosed().get(CloseReason.SLOW_CONSUMER) == 1;
        });
        assertThat(server.metrics().webSocket().connections()).isZero();
    }

    @Test
    void closingTheServerSendsAGoingAwayClose() throws Exception {
        PushServer server = start(Protocol.COMMANDS);
        WebSocketTestClient c = connect(server);
        sub(c, "SUB x");
        server.close();
        assertThat(c.nextText()).isEqualTo("-ERR server shutting down");
        assertThat(c.closed().get(10, TimeUnit.SECONDS)).startsWith("1001");
    }

    @Test
    void theWebSocketPortMayNotBeTheTcpPort() {
        assertThatThrownBy(() -> PushServer.builder().port(9000)
                .webSocket(ServerWebSocket.builder().port(9000).build()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TCP port");
        assertThatThrownBy(() -> ServerWebSocket.builder().allowedOrigins("app.example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme://host");
        assertThatThrownBy(() -> ServerWebSocket.builder().path("ws"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> PushServer.builder().build().webSocketPort())
                .isInstanceOf(IllegalStateException.class);
    }
}
