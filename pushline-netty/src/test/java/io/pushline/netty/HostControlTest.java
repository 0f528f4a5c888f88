package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The host's hand on connections: server-side subscriptions, finding a principal's connections, disconnecting. */
class HostControlTest {
    /** Tokens are user names. */
    private static final Authenticator NAMES = (client, token) -> CompletableFuture.completedFuture(
            Authentication.of(new String(token, StandardCharsets.UTF_8)));

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private PushServer start(PushServerBuilder builder) {
        return closer.add(builder.host("127.0.0.1").port(0).build().start());
    }

    private TcpTestClient connect(PushServer server) {
        return closer.add(new TcpTestClient(server.port()));
    }

    private static void publish(PushServer server, String topic, String payload) {
        ((InMemoryMessageSource) server.source()).publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    @Test
    void aRawClientIsSubscribedToItsOwnTopicWhenItAuthenticates() {
        PushServer server = start(PushServer.builder().authenticator(NAMES).listener(new PushListener() {
            @Override
            public void clientAuthenticated(Client client, Authentication authentication) {
                client.subscribe("user." + authentication.principal());
            }
        }));
        TcpTestClient alice = connect(server);
        TcpTestClient bob = connect(server);
        alice.send("alice\n");
        bob.send("bob\n");
        await().until(() -> server.topics().containsAll(List.of("user.alice", "user.bob")));
        publish(server, "user.alice", "for alice");
        publish(server, "user.bob", "for bob");
        assertThat(alice.readLine()).isEqualTo("for alice");
        assertThat(bob.readLine()).isEqualTo("for bob");
        Client onServer = server.clients("alice").get(0);
        assertThat(onServer.principal()).contains("alice");
        assertThat(server.client(onServer.id())).containsSame(onServer);
        assertThat(server.topics(onServer)).containsExactly("user.alice");
    }

    @Test
    void theHostSubscribesAndUnsubscribesACommandsClientFromAnyThread() throws Exception {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS));
        TcpTestClient c = connect(server);
        await().until(() -> server.clients().size() == 1);
        Client client = server.clients().iterator().next();
        CompletableFuture.runAsync(() -> client.subscribe("alerts").join()).get(10, TimeUnit.SECONDS);
        publish(server, "alerts", "one");
        assertThat(c.readLine()).isEqualTo("MSG alerts - one");
        c.send("UNSUB alerts\r\n"); // the client may end what the host started
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(server.topics()).isEmpty();
        client.subscribe("alerts").get(10, TimeUnit.SECONDS);
        client.unsubscribe("alerts").get(10, TimeUnit.SECONDS);
        assertThat(server.topics()).isEmpty();
        c.send("PING\r\n");
        assertThat(c.readLine()).isEqualTo("PONG");
    }

    @Test
    void hostSubscriptionsAreCheckedForTheSourcesDialectAndReservedNames() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS));
        connect(server);
        await().until(() -> server.clients().size() == 1);
        Client client = server.clients().iterator().next();
        assertThatThrownBy(() -> client.subscribe("has space").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.subscribe("$dropped").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void disconnectingAPrincipalEndsAllItsConnectionsWithAReason() {
        PushServer server = start(PushServer.builder().protocol(Protocol.COMMANDS).authenticator(NAMES));
        TcpTestClient alice1 = connect(server);
        TcpTestClient alice2 = connect(server);
        TcpTestClient bob = connect(server);
        for (TcpTestClient c : List.of(alice1, alice2)) {
            c.send("AUTH alice\r\n");
            assertThat(c.readLine()).isEqualTo("+OK");
        }
        bob.send("AUTH bob\r\n");
        assertThat(bob.readLine()).isEqualTo("+OK");
        assertThat(server.clients("alice")).hasSize(2);

        assertThat(server.disconnect("alice", "account closed\r\nby admin")).isEqualTo(2);
        for (TcpTestClient c : List.of(alice1, alice2)) {
            assertThat(c.readLine()).isEqualTo("-ERR disconnected: account closed  by admin");
            assertThat(c.closedByServer()).isTrue();
        }
        bob.send("PING\r\n");
        assertThat(bob.readLine()).isEqualTo("PONG");
        await().until(() -> server.metrics().connectionsClosed().getOrDefault(CloseReason.DISCONNECTED, 0L) == 2L);
        assertThat(server.disconnect("nobody", "n/a")).isZero();
    }
}
