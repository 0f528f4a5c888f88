package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.TopicAuthorizer;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication before anything else, and per-topic authorization that no push can get around. */
class AuthorizationTest {
    /** Tokens are principal names; every name is accepted except "nobody". */
    private static final Authenticator TOKENS = (client, token) -> {
        String name = new String(token, StandardCharsets.UTF_8);
        return CompletableFuture.completedFuture(name.equals("nobody") ? null : Authentication.of(name));
    };

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private static void publish(PushServer server, String topic, String payload) {
        ((InMemoryMessageSource) server.source()).publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    /** Grants topics (never patterns) per principal; publishing only to topics named "open.*". */
    private static TopicAuthorizer grants(Map<String, Set<String>> grants) {
        return (client, principal, name, pattern, action) -> {
            if (action == TopicAuthorizer.Action.PUBLISH) {
                return name.startsWith("open.");
            }
            return !pattern && principal != null && grants.getOrDefault(principal, Set.of()).contains(name);
        };
    }

    @Test
    void subscriptionsPatternsAndPublishesAreAuthorized() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .allowPublish(true).authenticator(TOKENS)
                .authorizer(grants(Map.of("alice", Set.of("news", "open.chat")))).build().start());
        TcpTestClient alice = closer.add(new TcpTestClient(server.port()));
        alice.send("AUTH alice\r\nSUB news\r\nSUB secret\r\nPSUB *\r\nPSUB secre?\r\nPUB news x\r\nPUB open.chat hi\r\n");
        assertThat(alice.readLine()).isEqualTo("+OK");
        assertThat(alice.readLine()).isEqualTo("+OK");
        assertThat(alice.readLine()).isEqualTo("-ERR forbidden");
        assertThat(alice.readLine()).isEqualTo("-ERR forbidden"); // a pattern cannot widen what was granted
        assertThat(alice.readLine()).isEqualTo("-ERR forbidden");
        assertThat(alice.readLine()).isEqualTo("-ERR forbidden");
        assertThat(alice.readLine()).isEqualTo("+OK");
        publish(server, "secret", "must not arrive");
        publish(server, "news", "allowed");
        assertThat(alice.readLine()).isEqualTo("MSG news - allowed");
    }

    @Test
    void aClientThatDoesNotAuthenticateInTimeIsClosed() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .authenticator(TOKENS).timeouts(t -> t.authTimeout(Duration.ofMillis(300))).build().start());
        TcpTestClient silent = closer.add(new TcpTestClient(server.port()));
        assertThat(silent.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(silent.closedByServer()).isTrue();
    }

    @Test
    void rawClientsAuthenticateWithTheirFirstFrameAndGetNothingBefore() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).defaultTopics("updates", "secret")
                .authenticator(TOKENS)
                .authorizer(grants(Map.of("alice", Set.of("updates"), "bob", Set.of("updates"))))
                .build().start());
        TcpTestClient bob = closer.add(new TcpTestClient(server.port()));
        bob.send("bob\n");
        await().until(() -> server.topics().contains("updates"));
        TcpTestClient alice = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.connectionCount() == 2);
        publish(server, "updates", "before auth"); // alice is not subscribed yet: it never reaches her
        assertThat(bob.readLine()).as("delivered (to bob) before alice authenticates").isEqualTo("before auth");
        alice.send("alice\n");
        await().until(() -> alice(server) != null && server.topics(alice(server)).contains("updates"));
        assertThat(server.topics()).doesNotContain("secret"); // a default topic neither may read
        publish(server, "secret", "must not arrive");
        publish(server, "updates", "after auth");
        assertThat(alice.readLine()).isEqualTo("after auth");

        TcpTestClient nobody = closer.add(new TcpTestClient(server.port()));
        nobody.send("nobody\n");
        assertThat(nobody.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(nobody.closedByServer()).isTrue();
    }

    /** The client that authenticated as alice, once it has. */
    private static io.pushline.Client alice(PushServer server) {
        return server.clients().stream().filter(c -> c.principal().filter("alice"::equals).isPresent())
                .findFirst().orElse(null);
    }

    /** 40 clients x 25 topics = 1,000 random grants: nobody ever receives a message it was not granted. */
    @Test
    void randomGrantsAreNeverExceeded() {
        Random random = new Random(6);
        Map<String, Set<String>> grants = new ConcurrentHashMap<>();
        List<String> topics = new ArrayList<>();
        for (int t = 0; t < 25; t++) {
            topics.add("t" + t);
        }
        for (int c = 0; c < 40; c++) {
            Set<String> granted = new HashSet<>(Set.of("end"));
            for (String topic : topics) {
                if (random.nextBoolean()) {
                    granted.add(topic);
                }
            }
            grants.put("user" + c, granted);
        }
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .authenticator(TOKENS).authorizer(grants(grants)).build().start());
        Map<String, TcpTestClient> clients = new HashMap<>();
        for (int c = 0; c < 40; c++) {
            TcpTestClient client = closer.add(new TcpTestClient(server.port()));
            StringBuilder commands = new StringBuilder("AUTH user" + c + "\r\nSUB end\r\nPSUB *\r\nPSUB t*\r\n");
            topics.forEach(t -> commands.append("SUB ").append(t).append("\r\n"));
            client.send(commands.toString());
            clients.put("user" + c, client);
        }
        for (Map.Entry<String, TcpTestClient> e : clients.entrySet()) {
            TcpTestClient client = e.getValue();
            assertThat(client.readLine()).isEqualTo("+OK"); // AUTH
            assertThat(client.readLine()).isEqualTo("+OK"); // SUB end
            assertThat(client.readLine()).isEqualTo("-ERR forbidden"); // PSUB *
            assertThat(client.readLine()).isEqualTo("-ERR forbidden"); // PSUB t*
            for (String topic : topics) {
                assertThat(client.readLine()).isEqualTo(grants.get(e.getKey()).contains(topic) ? "+OK" : "-ERR forbidden");
            }
        }
        for (int round = 0; round < 4; round++) {
            for (String topic : topics) {
                publish(server, topic, topic + ":" + round);
            }
        }
        publish(server, "end", "done");
        for (Map.Entry<String, TcpTestClient> e : clients.entrySet()) {
            List<String> got = new ArrayList<>();
            String line;
            while (!(line = e.getValue().readLine()).equals("MSG end - done")) {
                got.add(line.split(" ")[1]);
            }
            Set<String> granted = grants.get(e.getKey());
            assertThat(got).allMatch(granted::contains);
            assertThat(got).hasSize(4 * (granted.size() - 1));
        }
    }
}
