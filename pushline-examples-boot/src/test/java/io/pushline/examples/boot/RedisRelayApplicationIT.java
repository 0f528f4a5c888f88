package io.pushline.examples.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.netty.PushServer;
import io.pushline.spring.boot.PushServerLifecycle;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application end to end, against a private redis-server: it starts from its properties, relays a Redis
 * message to a TCP client, reports health UP then DOWN when Redis stops (and UP again when it is back), and closes
 * gracefully with its context.
 */
class RedisRelayApplicationIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ConfigurableApplicationContext context;

    @AfterEach
    void closeContext() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void relaysRedisReportsHealthAndClosesGracefully() throws Exception {
        context = SpringApplication.run(RedisRelayApplication.class, "--server.port=0", "--pushline.port=0",
                "--pushline.host=127.0.0.1", "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=" + redis.port());
        PushServer server = context.getBean(PushServer.class);
        int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        assertThat(context.getBean(PushServerLifecycle.class).getPhase())
                .isEqualTo(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);

        try (TcpTestClient client = new TcpTestClient(server.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().contains("updates"));
            redis.publish("updates", "hello from redis".getBytes(UTF_8));
            assertThat(client.readLine()).isEqualTo("hello from redis");

            HttpResponse<String> up = get(httpPort, "/actuator/health/pushline");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"status\":\"UP\"", "\"source\":\"UP\"", "\"connections\":1");
            assertThat(get(httpPort, "/actuator/metrics/pushline.connections").body())
                    .contains("\"value\":1.0");

            redis.stop();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> down = get(httpPort, "/actuator/health/pushline");
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body()).contains("\"status\":\"DOWN\"", "\"source\":\"DOWN\"");
            });
            assertThat(get(httpPort, "/actuator/health").statusCode()).isEqualTo(503);

            redis.start();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(get(httpPort, "/actuator/health/pushline").statusCode()).isEqualTo(200));
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().contains("updates"));
            redis.publish("updates", "after the outage".getBytes(UTF_8));
            assertThat(client.readLine()).isEqualTo("after the outage");

            context.close();
            assertThat(client.closedByServer()).isTrue();
            assertThat(server.closeAsync()).isDone();
        }
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
