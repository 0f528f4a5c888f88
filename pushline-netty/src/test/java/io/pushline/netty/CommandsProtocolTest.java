package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Authenticator;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code commands} protocol over real sockets, on the in-memory source. */
class CommandsProtocolTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private PushServer start(PushServerBuilder builder) {
        PushServer server = builder.host("127.0.0.1").port(0).protocol(Protocol.COMMANDS).build().start();
        closer.add(server);
        return server;
    }

    private TcpTestClient connect(PushServer server) {
        TcpTestClient client = new TcpTestClient(server.port());
        closer.add(client);
        return client;
    }

    private static void publish(PushServer server, String topic, String payload) {
        ((InMemoryMessageSource) server.source()).publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    @Test
    void everyCommandGetsItsReply() {
        PushServer server = start(PushServer.builder().allowPublish(true));
        TcpTestClient c = connect(server);
        c.send("SUB news\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("sub news\r\n"); // verbs are case-insensitive; subscribing twice is fine
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("PSUB stock.*\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("PING\r\n");
        assertThat(c.readLine()).isEqualTo("PONG");
        c.send("PING hello there\r\n");
        assertThat(c.readLine()).isEqualTo("PONG hello there");
        c.send("AUTH anything\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("PUB news hello world\r\n");
        List<String> lines = List.of(c.readLine(), c.readLine());
        assertThat(lines).containsExactlyInAnyOrder("+OK", "MSG news - hello world");
        publish(server, "stock.ACME", "42");
        assertThat(c.readLine()).isEqualTo("MSG stock.ACME - 42");
        c.send("UNSUB news\r\nPUNSUB stock.*\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(server.topics()).isEmpty();
        assertThat(server.patterns()).isEmpty();
        c.send("QUIT\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.closedByServer()).isTrue();
    }

    @Test
    void errorsSayWhatWasWrongAndKeepTheConnectionUsable() {
        PushServer server = start(PushServer.builder());
        TcpTestClient c = connect(server);
        c.send("FOO bar\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR unknown command");
        c.send("SUB\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR missing topic");
        c.send("SUB two words\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR topic contains a space");
        c.send("SUB " + "x".repeat(257) + "\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR topic is longer than 256 bytes");
        c.send("SUB a\u0001b\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR topic contains a control character");
        c.sendBytes(new byte[] {'S', 'U', 'B', ' ', (byte) 0xff, (byte) 0xfe, '\r', '\n'});
        assertThat(c.readLine()).isEqualTo("-ERR topic is not valid UTF-8");
        c.send("PSUB bad pattern\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR pattern contains a space");
        c.send("PUB news hi\r\n");
        assertThat(c.readLine()).isEqualTo("-ERR forbidden");
        c.send("AUTH\r\n");
        assertThat(c.readLine()).startsWith("-ERR wrong number of arguments for 'AUTH'");
        c.send("PING\r\n");
        assertThat(c.readLine()).isEqualTo("PONG");
    }

    @Test
    void pipelinedCommandsInOnePacketGetRepliesInOrder() {
        PushServer server = start(PushServer.builder().allowPublish(true));
        TcpTestClient c = connect(server);
        c.send("PING 1\r\nSUB a\r\nNOPE\r\nPING 2\nSUB b c\r\nPUB a x\r\nUNSUB a\r\nPING 3\r\n");
        List<String> replies = new ArrayList<>();
        List<String> pushes = new ArrayList<>();
        while (replies.size() < 8) {
            String line = c.readLine();
            (line.startsWith("MSG ") ? pushes : replies).add(line);
        }
        assertThat(replies).containsExactly("PONG 1", "+OK", "-ERR unknown command", "PONG 2",
                "-ERR topic contains a space", "+OK", "+OK", "PONG 3");
        assertThat(pushes).isSubsetOf("MSG a - x");
    }

    @Test
    void aClientSubscribedByTopicAndPatternsGetsEachMessageOnce() {
        PushServer server = start(PushServer.builder());
        TcpTestClient c = connect(server);
        c.send("SUB stock.ACME\r\nPSUB stock.*\r\nPSUB *\r\nPSUB st*\r\n");
        for (int i = 0; i < 4; i++) {
            assertThat(c.readLine()).isEqualTo("+OK");
        }
        publish(server, "stock.ACME", "1");
        publish(server, "stock.INIT", "2");
        publish(server, "weather", "3");
        publish(server, "end", "4");
        assertThat(List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine())).containsExactly(
                "MSG stock.ACME - 1", "MSG stock.INIT - 2", "MSG weather - 3", "MSG end - 4");
        c.send("PING\r\n");
        assertThat(c.readLine()).isEqualTo("PONG");
    }

    @Test
    void aCommandsClientGetsOnlyWhatItSubscribedTo() {
        PushServer server = start(PushServer.builder().defaultTopics("updates"));
        TcpTestClient c = connect(server);
        c.send("SUB mine\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        publish(server, "updates", "not for commands clients");
        publish(server, "mine", "yes");
        assertThat(c.readLine()).isEqualTo("MSG mine - yes");
    }

    @Test
    void lengthPrefixedCommandsCarryBinaryPayloads() {
        PushServer server = start(PushServer.builder().framing(Framing.lengthPrefixed()).allowPublish(true));
        TcpTestClient c = connect(server);
        c.sendFrame("SUB bin".getBytes(StandardCharsets.US_ASCII));
        assertThat(c.readFrame()).isEqualTo("+OK".getBytes(StandardCharsets.US_ASCII));
        byte[] payload = {0, '\r', '\n', ' ', (byte) 0xff};
        byte[] pub = new byte[8 + payload.length];
        System.arraycopy("PUB bin ".getBytes(StandardCharsets.US_ASCII), 0, pub, 0, 8);
        System.arraycopy(payload, 0, pub, 8, payload.length);
        c.sendFrame(pub);
        byte[] expectedPush = new byte[10 + payload.length];
        System.arraycopy("MSG bin - ".getBytes(StandardCharsets.US_ASCII), 0, expectedPush, 0, 10);
        System.arraycopy(payload, 0, expectedPush, 10, payload.length);
        List<byte[]> frames = List.of(c.readFrame(), c.readFrame());
        assertThat(frames).anySatisfy(f -> assertThat(f).isEqualTo("+OK".getBytes(StandardCharsets.US_ASCII)));
        assertThat(frames).anySatisfy(f -> assertThat(f).isEqualTo(expectedPush));
    }

    @Test
    void withAnAuthenticatorNothingWorksBeforeAuth() {
        Authenticator auth = (client, token) -> CompletableFuture.completedFuture(
                new String(token, StandardCharsets.UTF_8).equals("letmein") ? io.pushline.Authentication.of("alice") : null);
        PushServer server = start(PushServer.builder().authenticator(auth));
        TcpTestClient early = connect(server);
        early.send("SUB news\r\n");
        assertThat(early.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(early.closedByServer()).isTrue();

        TcpTestClient wrong = connect(server);
        wrong.send("AUTH guess\r\n");
        assertThat(wrong.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(wrong.closedByServer()).isTrue();

        TcpTestClient good = connect(server);
        good.send("AUTH letmein\r\nSUB news\r\n");
        assertThat(good.readLine()).isEqualTo("+OK");
        assertThat(good.readLine()).isEqualTo("+OK");
    }

    @Test
    void commandsPipelinedBehindASlowAuthWaitForItsDecision() {
        Authenticator slowAuth = (client, token) -> CompletableFuture.supplyAsync(
                () -> new String(token, StandardCharsets.UTF_8).equals("letmein") ? io.pushline.Authentication.of("alice") : null,
                CompletableFuture.delayedExecutor(100, java.util.concurrent.TimeUnit.MILLISECONDS));
        PushServer server = start(PushServer.builder().authenticator(slowAuth));
        TcpTestClient good = connect(server);
        good.send("AUTH letmein\r\nSUB news\r\nPING done\r\n");
        assertThat(good.readLine()).isEqualTo("+OK");
        assertThat(good.readLine()).isEqualTo("+OK");
        assertThat(good.readLine()).isEqualTo("PONG done");
        TcpTestClient bad = connect(server);
        bad.send("AUTH nope\r\nSUB news\r\n");
        assertThat(bad.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(bad.closedByServer()).isTrue();
        assertThat(server.topics()).containsExactly("news");
    }

    @Test
    void closeTellsCommandsClientsWhy() {
        PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS).build()
                .start();
        TcpTestClient c = connect(server);
        c.send("PING\r\n");
        assertThat(c.readLine()).isEqualTo("PONG");
        server.close();
        assertThat(c.readLine()).isEqualTo("-ERR server shutting down");
        assertThat(c.closedByServer()).isTrue();
    }

    /** Seeded random bytes with line breaks: every reply is a well-formed reply, or the connection closes. */
    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42, 1234, 20261125})
    void malformedInputGetsErrorsOrACloseNeverAServerError(long seed) {
        PushServer server = start(PushServer.builder().framing(Framing.lines(4096)));
        Random random = new Random(seed);
        byte[] garbage = new byte[64 * 1024];
        random.nextBytes(garbage);
        String[] verbs = {"SUB ", "PSUB ", "UNSUB ", "PING ", "PUB ", "AUTH ", "sub", "X "};
        for (int i = 0; i < garbage.length - 8; i += 1 + random.nextInt(200)) {
            garbage[i] = '\n';
            if (random.nextInt(3) == 0) {
                byte[] verb = verbs[random.nextInt(verbs.length)].getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(verb, 0, garbage, i + 1, verb.length);
            }
        }
        TcpTestClient c = connect(server);
        c.sendBytes(garbage);
        c.send("\r\nQUIT\r\n");
        int replies = 0;
        while (true) {
            String line;
            try {
                line = c.readLine();
            } catch (java.io.UncheckedIOException closed) {
                break; // the server closed the connection (QUIT, or a bad frame)
            }
            // (?s): random bytes may decode to U+0085 or U+2028, which '.' would not match; CR and LF cannot occur
            assertThat(line).matches("(?s)(\\+OK|-ERR .+|PONG.*|MSG .+)");
            replies++;
        }
        assertThat(replies).isPositive();
        TcpTestClient next = connect(server);
        next.send("PING after\r\n");
        assertThat(next.readLine()).isEqualTo("PONG after");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.clients().size() == 1);
    }
}
