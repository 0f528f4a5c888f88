package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript client ships in the jar and is what {@code javaScriptClient(true)} serves; its behaviour is tested
 * in a real browser by {@code BrowserIT} in pushline-examples.
 */
class JavaScriptClientResourceTest {
    @Test
    void theJarServesTheJavaScriptClientAsAModule() {
        ServerWebSocket ws = ServerWebSocket.builder().javaScriptClient(true).build();
        ServerWebSocket.Resource js = ws.resources().get(ServerWebSocket.JAVASCRIPT_CLIENT_PATH);
        assertThat(js.contentType()).isEqualTo("text/javascript; charset=utf-8");
        String source = new String(js.body(), StandardCharsets.UTF_8);
        assertThat(source).contains("export class PushlineClient", "export class PushlineError",
                "export function parsePosition", "export function backoffDelay")
                .doesNotContainPattern("(?m)^import ") // no dependency
                .doesNotContain("\r");
        assertThat(ServerWebSocket.builder().javaScriptClient(true).javaScriptClient(false).build().resources())
                .isEmpty();
    }
}
