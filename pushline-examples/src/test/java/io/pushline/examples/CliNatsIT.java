package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Position;
import io.pushline.test.NatsServerExtension;
import io.pushline.test.TcpTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code pushline server --nats ... --history} and {@code pushline publish --nats}, both as child processes. */
class CliNatsIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @Test
    void publishPrintsPositionsThatClientsReceiveAndResumeFrom() throws Exception {
        try (CliProcess server = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--protocol",
                "commands", "--nats", nats.url(), "--history")) {
            int port = server.awaitPort();
            Position top;
            try (TcpTestClient client = new TcpTestClient(port)) {
                client.send("SUB news.eu\r\n");
                top = Position.parse(client.readLine().substring(4)).orElseThrow();
                try (CliProcess one = new CliProcess("publish", "--nats", nats.url(), "news.eu", "hello there")) {
                    assertThat(one.awaitExit(Duration.ofSeconds(30))).isZero();
                    assertThat(one.stdout()).containsExactly(top.plus(1).toString());
                }
                assertThat(client.readLine()).isEqualTo("MSG news.eu " + top.plus(1) + " hello there");
                try (CliProcess plain = new CliProcess("publish", "--nats", nats.url(), "--plain", "news.eu", "p")) {
                    assertThat(plain.awaitExit(Duration.ofSeconds(30))).isZero();
                    assertThat(plain.stdout()).containsExactly("-");
                }
                assertThat(client.readLine()).isEqualTo("MSG news.eu - p");
            }
            try (TcpTestClient late = new TcpTestClient(port)) {
                late.send("SUB news.eu FROM " + top + "\r\n");
                assertThat(late.readLine()).isEqualTo("+OK " + top.plus(1) + " RECOVERED 1");
            }
        }
        try (CliProcess both = new CliProcess("server", "--port", "0", "--nats", nats.url(), "--redis",
                "redis://127.0.0.1:1")) {
            assertThat(both.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", both.stderr())
                    .contains("--redis, --redis-cluster and --nats exclude each other"));
        }
        try (CliProcess bad = new CliProcess("publish", "--nats", nats.url(), "news..eu", "x")) {
            assertThat(bad.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", bad.stderr()).contains("empty token"));
        }
    }
}
