package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.InMemoryMessageSource;
import io.pushline.netty.PushServer;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Smoke test: the in-memory example pushes what is published to a connected client. */
class InMemoryExampleTest {
    @Test
    void aPublishedLineArrives() {
        try (PushServer server = InMemoryExample.start(0); TcpTestClient client = new TcpTestClient(server.port())) {
            await().until(() -> server.topics().contains("updates"));
            ((InMemoryMessageSource) server.source()).publish("updates",
                    "follow the white rabbit".getBytes(StandardCharsets.UTF_8)).join();
            assertThat(client.readLine()).isEqualTo("follow the white rabbit");
        }
    }
}
