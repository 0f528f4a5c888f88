package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** pushline.js in a real, headless Chromium. */
class BrowserIT {
    private static Chromium browser;

    @BeforeAll
    static void startBrowser() {
        browser = new Chromium();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void theJavaScriptUnitTestsPass() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        for (String[] file : List.of(new String[] {"/pushline.js", "io/pushline/netty/pushline.js"},
                new String[] {"/pushline-test.js", "browser/pushline-test.js"},
                new String[] {"/pushline-test.html", "browser/pushline-test.html"})) {
            byte[] body = resource(file[1]);
            http.createContext(file[0], exchange -> {
                exchange.getResponseHeaders().set("Content-Type",
                        file[0].endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
        }
        http.start();
        try {
            browser.open("http://127.0.0.1:" + http.getAddress().getPort() + "/pushline-test.html");
            await().atMost(Duration.ofSeconds(20)).until(() -> browser.eval("return window.pushlineTests") != null);
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) browser.eval("return window.pushlineTests");
            assertThat((List<?>) result.get("failed")).isEmpty();
            assertThat(result.get("passed")).isEqualTo(result.get("total"));
            assertThat(((Number) result.get("total")).intValue()).isGreaterThan(20);
        } finally {
            http.stop(0);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = BrowserIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
