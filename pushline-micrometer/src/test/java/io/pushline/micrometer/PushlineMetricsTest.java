package io.pushline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerWebSocket;
import io.pushline.test.TcpTestClient;
import io.pushline.test.WebSocketTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A real server's activity shows up in a Micrometer registry. */
class PushlineMetricsTest {
    @Test
    void metersFollowTheServer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PushServer server = PushServer.builder().host("127.0.0.1").port(0).defaultTopics("t").build().start();
                TcpTestClient client = new TcpTestClient(server.port())) {
            PushlineMetrics.of(server::metrics, Tags.of("server", "test")).bindTo(registry);
            await().until(() -> server.topics().contains("t"));
            ((InMemoryMessageSource) server.source()).publish("t", "hello".getBytes(StandardCharsets.UTF_8)).join();
            ((InMemoryMessageSource) server.source()).publish("t", "a\nb".getBytes(StandardCharsets.UTF_8)).join();
            assertThat(client.readLine()).isEqualTo("hello");
            await().until(() -> registry.get("pushline.messages.received").functionCounter().count() == 2
                    && registry.get("pushline.messages.delivered").functionCounter().count() == 1);

            assertThat(registry.get("pushline.connections").tag("server", "test").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pushline.connections.opened").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("pushline.messages.delivered").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("pushline.bytes.delivered").functionCounter().count()).isEqualTo(7);
            assertThat(registry.get("pushline.messages.dropped").tag("reason", "not_frameable").functionCounter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("pushline.topics").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pushline.source.up").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pushline.connections.closed").tag("reason", "client").functionCounter().count())
                    .isZero();
            client.reset();
            await().until(() -> registry.get("pushline.connections.closed").tag("reason", "client")
                    .functionCounter().count() == 1);
        }
    }

    @Test
    void historyMetersCountReadsResumesAndReplays() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.defaults());
        try (PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(source).build().start();
                TcpTestClient client = new TcpTestClient(server.port())) {
            PushlineMetrics.of(server::metrics).bindTo(registry);
            client.send("SUB h\r\n");
            String top = client.readLine().substring(4);
            source.publish("h", "one".getBytes(StandardCharsets.UTF_8)).join();
            client.readLine();
            client.send("SUB h FROM " + top + "\r\nSUB h FROM 1.OtherEpoch\r\n");
            assertThat(client.readLine()).endsWith(" RECOVERED 1");
            client.readLine();
            assertThat(client.readLine()).endsWith(" LOST");
            assertThat(registry.get("pushline.resumes").tag("outcome", "recovered").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("pushline.resumes").tag("outcome", "lost_epoch").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("pushline.history.replayed").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("pushline.history.reads").tag("shared", "false").functionCounter().count())
                    .isEqualTo(3);
            assertThat(registry.get("pushline.history.lost").functionCounter().count()).isZero();
        }
    }

    @Test
    void webSocketMetersCountTheWebSocketShare() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryMessageSource source = InMemoryMessageSource.create();
        try (PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(source).webSocket(ServerWebSocket.builder().port(0).build()).build().start();
                WebSocketTestClient ws = WebSocketTestClient.connect(
                        URI.create("ws://127.0.0.1:" + server.webSocketPort() + "/ws"));
                TcpTestClient tcp = new TcpTestClient(server.port())) {
            PushlineMetrics.of(server::metrics).bindTo(registry);
            ws.send("SUB w");
            assertThat(ws.nextText()).startsWith("+OK");
            tcp.send("SUB w\r\n");
            assertThat(tcp.readLine()).startsWith("+OK");
            source.publish("w", "hi".getBytes(StandardCharsets.UTF_8)).join();
            assertThat(ws.nextText()).isEqualTo("MSG w - hi");
            assertThat(tcp.readLine()).isEqualTo("MSG w - hi");
            await().untilAsserted(() -> assertThat(registry.get("pushline.messages.delivered").functionCounter()
                    .count()).isEqualTo(2));
            assertThat(registry.get("pushline.connections").gauge().value()).isEqualTo(2);
            assertThat(registry.get("pushline.websocket.connections").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pushline.websocket.opened").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("pushline.websocket.messages.delivered").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("pushline.websocket.bytes.delivered").functionCounter().count())
                    .isEqualTo(2 + "MSG w - hi".length());
            assertThat(registry.get("pushline.websocket.handshakes.refused").functionCounter().count()).isZero();
        }
    }
}
