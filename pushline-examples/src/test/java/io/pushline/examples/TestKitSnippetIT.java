package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.netty.PushServer;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's test-kit snippet, as a host application would write it (ReadmeSnippetTest keeps them equal). */
class TestKitSnippetIT {
    // tag::testKit[]
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(); // free port; stop(), start(), restart()

    @Test
    void relaysRedisToClients() {
        try (PushServer server = RedisToTcpExample.start(redis.uri(), 0);
                TcpTestClient client = new TcpTestClient(server.port())) {
            await().until(() -> server.isSubscribed("updates")); // the client's default topic is confirmed by Redis
            redis.publish("updates", "hello".getBytes(StandardCharsets.UTF_8));
            assertThat(client.readLine()).isEqualTo("hello");
        }
    }
    // end::testKit[]
}
