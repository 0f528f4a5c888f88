package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Position;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code pushline publish} against a {@code pushline server --redis ... --history}, both as child processes. */
class CliPublishIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void publishPrintsPositionsThatClientsReceiveAndResumeFrom() throws Exception {
        try (CliProcess server = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--protocol",
                "commands", "--redis", redis.uri(), "--history")) {
            int port = server.awaitPort();
            Position top;
            try (TcpTestClient client = new TcpTestClient(port)) {
                client.send("SUB news\r\n");
                top = Position.parse(client.readLine().substring(4)).orElseThrow();
                try (CliProcess one = new CliProcess("publish", "--redis", redis.uri(), "news", "hello there")) {
                    assertThat(one.awaitExit(Duration.ofSeconds(30))).isZero();
                    assertThat(one.stdout()).containsExactly(top.plus(1).toString());
                }
                assertThat(client.readLine()).isEqualTo("MSG news " + top.plus(1) + " hello there");
                try (CliProcess lines = new CliProcess("publish", "--redis", redis.uri(), "news")) {
                    lines.type("second");
                    lines.type("third");
                    lines.closeInput();
                    assertThat(lines.awaitExit(Duration.ofSeconds(30))).isZero();
                    assertThat(lines.stdout()).containsExactly(top.plus(2).toString(), top.plus(3).toString());
                }
                assertThat(List.of(client.readLine(), client.readLine())).containsExactly(
                        "MSG news " + top.plus(2) + " second", "MSG news " + top.plus(3) + " third");
                try (CliProcess plain = new CliProcess("publish", "--redis", redis.uri(), "--plain", "news", "p")) {
                    assertThat(plain.awaitExit(Duration.ofSeconds(30))).isZero();
                    assertThat(plain.stdout()).containsExactly("-");
                }
                assertThat(client.readLine()).isEqualTo("MSG news - p");
            }
            try (TcpTestClient late = new TcpTestClient(port)) {
                late.send("SUB news FROM " + top.plus(1) + "\r\n");
                assertThat(late.readLine()).isEqualTo("+OK " + top.plus(3) + " RECOVERED 2");
                assertThat(late.readLine()).isEqualTo("MSG news " + top.plus(2) + " second");
            }
        }
        try (CliProcess bad = new CliProcess("publish", "--redis", redis.uri(), "two words", "x")) {
            assertThat(bad.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", bad.stderr()).contains("space"));
        }
    }
}
