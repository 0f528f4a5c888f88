package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.DropReason;
import io.pushline.Protocol;
import io.pushline.SourceState;
import io.pushline.internal.RedisGlob;
import io.pushline.netty.PushServer;
import io.pushline.netty.PushServerBuilder;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an attacker or a broken broker can do through Redis, against a private redis-server. */
class HostileRedisIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @BeforeEach
    void brokerIsClean() {
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().isEmpty() && redis.numpat() == 0);
    }

    @AfterEach
    void brokerRunsAgain() {
        if (redis.isRunning()) {
            redis.resume();
        } else {
            redis.start();
        }
    }

    private PushServer start(PushServerBuilder builder) {
        return closer.add(builder.host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(RedisMessageSource.create(redis.uri())).build().start());
    }

    private TcpTestClient connect(PushServer server) {
        return closer.add(new TcpTestClient(server.port()));
    }

    /**
     * Clients holding several seeded random patterns (multi-byte characters, brackets left open, escapes): each
     * receives every message that any of its patterns matches, once, in order. Redis delivers one copy per matching
     * pattern; which patterns match is Redis's own decision (RedisGlob agrees with it, RedisPatternSemanticsIT).
     */
    @Test
    void overlappingPatternsDeliverEachMessageOnce() {
        PushServer server = start(PushServer.builder());
        Random random = new Random(20261201);
        String[] pieces = {"a", "é", "x", "[", "[x", "?", "*", "\\[", "[a-z]", "[^a]"};
        List<TcpTestClient> clients = new ArrayList<>();
        List<List<RedisGlob>> held = new ArrayList<>();
        List<List<String>> fixed = List.of(List.of("?", "é"), List.of("??", "é"), List.of("[x", "\\[*"),
                List.of("[x", "x*"));
        for (int i = 0; i < 40; i++) {
            List<String> patterns = new ArrayList<>(i < fixed.size() ? fixed.get(i) : List.of());
            while (patterns.size() < 2 || i >= fixed.size() && patterns.size() < 2 + random.nextInt(3)) {
                StringBuilder p = new StringBuilder();
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    p.append(pieces[random.nextInt(pieces.length)]);
                }
                if (!patterns.contains(p.toString()) && !p.toString().startsWith("$")) {
                    patterns.add(p.toString());
                }
            }
            TcpTestClient c = connect(server);
            StringBuilder commands = new StringBuilder("SUB end\r\n");
            patterns.forEach(p -> commands.append("PSUB ").append(p).append("\r\n"));
            c.send(commands.toString());
            for (int r = 0; r <= patterns.size(); r++) {
                assertThat(c.readLine()).isEqualTo("+OK");
            }
            clients.add(c);
            held.add(patterns.stream().map(RedisGlob::compile).toList());
        }
        String[] topics = {"é", "x", "[x", "a", "aé", "[", "xa", "éé", "[a", "ax"};
        List<String[]> published = new ArrayList<>();
        for (int seq = 0; seq < 30; seq++) {
            String topic = topics[random.nextInt(topics.length)];
            String payload = seq % 3 == 0 && !published.isEmpty() ? published.get(published.size() - 1)[1] : "m" + seq;
            redis.publish(topic, payload.getBytes(StandardCharsets.UTF_8)); // equal payloads in a row: both count
            published.add(new String[] {topic, payload});
        }
        redis.publish("end", "done".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < clients.size(); i++) {
            List<String> expected = new ArrayList<>();
            for (String[] m : published) {
                if (held.get(i).stream().anyMatch(g -> g.matches(m[0]))) {
                    expected.add("MSG " + m[0] + " - " + m[1]);
                }
            }
            List<String> received = new ArrayList<>();
            for (String line = clients.get(i).readLine(); !line.equals("MSG end - done");
                    line = clients.get(i).readLine()) {
                received.add(line);
            }
            assertThat(received).as("client %d with patterns %s", i, held.get(i)).isEqualTo(expected);
        }
    }

    @Test
    void reservedAndNonUtf8ChannelsFromTheBrokerAreDroppedAndCounted() {
        PushServer server = start(PushServer.builder());
        TcpTestClient c = connect(server);
        c.send("PSUB *\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        redis.publish("$dropped", "999999".getBytes(StandardCharsets.UTF_8)); // a forged server notice
        redis.command("PUBLISH", new byte[] {'b', 'a', 'd', (byte) 0xff, '\r', '\n'}, "mangled".getBytes());
        redis.publish("real", "news".getBytes(StandardCharsets.UTF_8));
        assertThat(c.readLine()).isEqualTo("MSG real - news");
        assertThat(server.metrics().messagesDropped()).containsEntry(DropReason.INVALID_TOPIC, 2L);
    }

    @Test
    void aFrozenRedisIsReportedAndHoldsUpNoCommandForLong() {
        PushServer server = start(PushServer.builder().timeouts(t -> t.brokerTimeout(Duration.ofSeconds(1))));
        TcpTestClient c = connect(server);
        c.send("SUB held\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");

        redis.pause(); // SIGSTOP: the connection stays open, nothing answers
        await().atMost(Duration.ofSeconds(6)).until(() -> server.sourceState() == SourceState.DOWN);
        long started = System.nanoTime();
        c.send("SUB new\r\nPING\r\n");
        assertThat(c.readLine()).startsWith("-ERR unavailable: ");
        assertThat(c.readLine()).as("PING waits for the reply before it, not for Redis").isEqualTo("PONG");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        assertThat(server.topics()).containsExactly("held");

        redis.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.sourceState().isUp());
        c.send("SUB new\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        redis.publish("held", "kept".getBytes(StandardCharsets.UTF_8));
        assertThat(c.readLine()).isEqualTo("MSG held - kept");
    }

    @Test
    void aRedisThatRefusesTheCredentialsIsLoggedOnceNotOnEveryRetry() throws Exception {
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--redis", redis.uri(),
                "--protocol", "commands")) {
            cli.awaitPort();
            redis.restartWith(List.of("--requirepass", "nobody-told-the-server"));
            try {
                // the backoff reaches 2 s: well over three refused attempts in 8 s
                await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12))
                        .until(() -> cli.stderr().stream().anyMatch(l -> l.contains("refused")));
                List<String> refusals = cli.stderr().stream().filter(l -> l.contains("refused")).toList();
                assertThat(refusals).as("ERROR lines about the refusal").hasSize(1);
                assertThat(cli.stderr()).as("no stack traces").noneMatch(l -> l.startsWith("\tat "));
            } finally {
                redis.restartWith(List.of());
            }
        }
    }

    @Test
    void theRedisPasswordNeverAppearsInTheServersOutput() throws Exception {
        redis.restartWith(List.of("--requirepass", "s3cret-pw"));
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--redis",
                "redis://:s3cret-pw@127.0.0.1:" + redis.port(), "--protocol", "commands", "--stats", "1s")) {
            int port = cli.awaitPort();
            TcpTestClient c = closer.add(new TcpTestClient(port));
            c.send("SUB news\r\n");
            assertThat(c.readLine()).isEqualTo("+OK"); // connected, authenticated, subscribed
            await().atMost(Duration.ofSeconds(5)).until(() -> cli.stdout().size() >= 2); // a stats line too
            assertThat(cli.stdout()).as("standard output").noneMatch(l -> l.contains("s3cret-pw"))
                    .anyMatch(l -> l.contains("redis://127.0.0.1:" + redis.port()));
            assertThat(cli.stderr()).as("the log").noneMatch(l -> l.contains("s3cret-pw"));
        } finally {
            redis.restartWith(List.of());
        }
    }
}
