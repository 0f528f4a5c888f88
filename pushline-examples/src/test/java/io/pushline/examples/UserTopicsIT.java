package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.netty.PushServer;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link UserTopicsExample}: two nodes on one private redis-server; a per-user topic reaches every connection. */
class UserTopicsIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void aMessageToAUserReachesAllItsConnectionsOnEveryNode() {
        PushServer first = closer.add(UserTopicsExample.start(redis.uri(), 0));
        PushServer second = closer.add(UserTopicsExample.start(redis.uri(), 0));
        TcpTestClient aliceOnFirst = login(first, "alice");
        TcpTestClient aliceOnSecond = login(second, "alice");
        TcpTestClient bob = login(second, "bob");
        await().atMost(Duration.ofSeconds(10)).until(() -> first.topics().contains("user.alice")
                && second.topics().contains("user.alice") && second.topics().contains("user.bob")
                && redis.channels().contains("user.alice"));
        assertThat(second.clients("alice")).hasSize(1);

        assertThat(redis.publish("user.alice", "your order shipped".getBytes(StandardCharsets.UTF_8)))
                .as("one Redis subscriber per node").isEqualTo(2);
        assertThat(aliceOnFirst.readLine()).isEqualTo("your order shipped");
        assertThat(aliceOnSecond.readLine()).isEqualTo("your order shipped");
        redis.publish("user.bob", "for bob".getBytes(StandardCharsets.UTF_8));
        assertThat(bob.readLine()).as("bob got only his own").isEqualTo("for bob");

        assertThat(second.disconnect("alice", "signed out everywhere")).isEqualTo(1);
        assertThat(aliceOnSecond.closedByServer()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> second.clients("alice").isEmpty());
        redis.publish("user.alice", "still here".getBytes(StandardCharsets.UTF_8));
        assertThat(aliceOnFirst.readLine()).isEqualTo("still here");
    }

    @Test
    void aRefusedTokenGetsNoTopic() {
        PushServer node = closer.add(UserTopicsExample.start(redis.uri(), 0));
        TcpTestClient mallory = closer.add(new TcpTestClient(node.port()));
        mallory.send("Robert'); DROP TABLE students;--\n");
        assertThat(mallory.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(mallory.closedByServer()).isTrue();
        assertThat(node.topics()).isEmpty();
    }

    private TcpTestClient login(PushServer server, String user) {
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        client.send(user + "\n"); // raw protocol: the first frame is the token
        return client;
    }
}
