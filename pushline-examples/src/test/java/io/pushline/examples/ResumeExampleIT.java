package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.netty.PushServer;
import io.pushline.netty.client.PushClient;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's resume example, run as written: a client that stops, misses events, and resumes from saved positions. */
class ResumeExampleIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void anApplicationRestartedFromSavedPositionsMissesNothing() {
        PushServer server = closer.add(ResumeExample.server(redis.uri(), 0));
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()),
                ResumeExample.HISTORY));
        List<String> events = new CopyOnWriteArrayList<>();
        List<String> reloads = new CopyOnWriteArrayList<>();
        PushClient first = ResumeExample.client(server.port(), Map.of(), m -> events.add(text(m)), reloads::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.positions().containsKey("orders.eu"));
        ResumeExample.publish(publisher, "order 1 paid");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        Map<String, Position> saved = first.positions();
        first.close(); // the application stops

        Position last = null;
        for (int i = 2; i <= 4; i++) {
            last = ResumeExample.publish(publisher, "order " + i + " paid"); // missed while stopped
        }
        PushClient second = closer.add(ResumeExample.client(server.port(), saved, m -> events.add(text(m)),
                reloads::add));
        Position expected = last;
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
        assertThat(events).containsExactly("order 1 paid", "order 2 paid", "order 3 paid", "order 4 paid");
        assertThat(second.positions()).containsEntry("orders.eu", expected);
        assertThat(reloads).isEmpty();
    }

    private static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }
}
