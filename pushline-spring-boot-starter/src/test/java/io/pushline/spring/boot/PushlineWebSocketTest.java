package io.pushline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.InMemoryMessageSource;
import io.pushline.netty.PushServer;
import io.pushline.test.WebSocketTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code pushline.websocket.*} serves browsers on a port of their own, with the origin check and pushline.js. */
class PushlineWebSocketTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1", "pushline.protocol=commands",
                    "pushline.source=in-memory");

    @Test
    void aWebSocketPortServesThePushesTheOriginCheckAndTheJavaScriptClient() {
        runner.withPropertyValues("pushline.websocket.port=0", "pushline.websocket.javascript-client=true",
                "pushline.websocket.allowed-origins=https://app.example.com").run(context -> {
                    PushServer server = context.getBean(PushServer.class);
                    URI uri = URI.create("ws://127.0.0.1:" + server.webSocketPort() + "/ws");
                    try (WebSocketTestClient c = WebSocketTestClient.connect(uri,
                            Map.of("Origin", "https://app.example.com"), null)) {
                        c.send("SUB boot");
                        assertThat(c.nextText()).startsWith("+OK");
                        context.getBean(InMemoryMessageSource.class)
                                .publish("boot", "from boot".getBytes(StandardCharsets.UTF_8)).join();
                        assertThat(c.nextText()).isEqualTo("MSG boot - from boot");
                    }
                    assertThatThrownBy(() -> WebSocketTestClient.open(uri, Map.of("Origin", "https://evil.example"),
                            null).join()).isInstanceOf(CompletionException.class)
                            .hasCauseInstanceOf(WebSocketHandshakeException.class);
                    HttpResponse<String> js = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + server.webSocketPort() + "/pushline.js")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(js.statusCode()).isEqualTo(200);
                    assertThat(js.body()).contains("class PushlineClient");
                });
    }

    @Test
    void withoutAPortThereIsNoWebSocketEndpointAndABadPathNamesTheProperty() {
        runner.run(context -> assertThatThrownBy(() -> context.getBean(PushServer.class).webSocketPort())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no WebSocket port"));
        assertThatThrownBy(() -> ServerSettings.webSocket(new PushlineProperties.WebSocket(0, "ws", null, false,
                false, java.time.Duration.ofSeconds(10), false)))
                .hasMessageStartingWith("pushline.websocket.path=ws is invalid: ");
    }
}
