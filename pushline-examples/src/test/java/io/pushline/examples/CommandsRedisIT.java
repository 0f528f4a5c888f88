package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Protocol;
import io.pushline.internal.RedisGlob;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code commands} protocol against a private redis-server: reference counting and exact delivery. */
class CommandsRedisIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();
    private PushServer server;

    /** Starts from a clean broker: what the previous test subscribed is gone (its server closed after it). */
    @BeforeEach
    void brokerHasNoSubscriptions() {
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().isEmpty() && redis.numpat() == 0);
    }

    private void startServer() {
        server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .limits(l -> l.maxConnectionsPerAddress(2_000)) // a thousand test clients, all from 127.0.0.1
                .source(RedisMessageSource.create(redis.uri())).build().start();
        closer.add(server);
    }

    private TcpTestClient connect() {
        TcpTestClient client = new TcpTestClient(server.port());
        closer.add(client);
        return client;
    }

    /** 1,000 random SUB/UNSUB/PSUB/PUNSUB/disconnect operations: Redis holds exactly the live interest after. */
    @Test
    void brokerSubscriptionsFollowLiveInterestThroughChurn() {
        startServer();
        Random random = new Random(20261125);
        List<TcpTestClient> clients = new ArrayList<>();
        List<Set<String>> topics = new ArrayList<>();
        List<Set<String>> patterns = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            clients.add(connect());
            topics.add(new HashSet<>());
            patterns.add(new HashSet<>());
        }
        for (int op = 0; op < 1_000; op++) {
            int i = random.nextInt(clients.size());
            TcpTestClient c = clients.get(i);
            String topic = "churn." + random.nextInt(15);
            String pattern = "churn." + random.nextInt(5) + "*";
            switch (random.nextInt(9)) {
                case 0, 1, 2 -> {
                    c.send("SUB " + topic + "\r\n");
                    topics.get(i).add(topic);
                }
                case 3, 4 -> {
                    c.send("UNSUB " + topic + "\r\n");
                    topics.get(i).remove(topic);
                }
                case 5 -> {
                    c.send("PSUB " + pattern + "\r\n");
                    patterns.get(i).add(pattern);
                }
                case 6 -> {
                    c.send("PUNSUB " + pattern + "\r\n");
                    patterns.get(i).remove(pattern);
                }
                default -> {
                    if (random.nextBoolean()) {
                        c.reset(); // vanish without UNSUB, with a TCP RST
                    } else {
                        c.close();
                    }
                    clients.set(i, connect());
                    topics.set(i, new HashSet<>());
                    patterns.set(i, new HashSet<>());
                    continue;
                }
            }
            assertThat(c.readLine()).isEqualTo("+OK");
        }
        Set<String> liveTopics = new TreeSet<>();
        topics.forEach(liveTopics::addAll);
        Set<String> livePatterns = new TreeSet<>();
        patterns.forEach(livePatterns::addAll);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.channels()).containsExactlyElementsOf(liveTopics);
            assertThat(redis.numpat()).isEqualTo(livePatterns.size());
            assertThat(server.topics()).isEqualTo(liveTopics);
            assertThat(server.patterns()).isEqualTo(livePatterns);
        });
        assertThat(liveTopics).isNotEmpty();
        assertThat(livePatterns).isNotEmpty();
    }

    /**
     * 1,000 clients with random topic and pattern subscriptions receive exactly the messages of their topics from
     * Redis: none missing, none extra, each once, in order per topic.
     */
    @Test
    void aThousandClientsReceiveExactlyTheirMessages() {
        startServer();
        Random random = new Random(42);
        int clientCount = 1_000;
        int topicCount = 30;
        List<TcpTestClient> clients = new ArrayList<>();
        List<Set<String>> topicSets = new ArrayList<>();
        List<Set<String>> patternSets = new ArrayList<>();
        for (int i = 0; i < clientCount; i++) {
            TcpTestClient c = connect();
            Set<String> topics = new HashSet<>();
            Set<String> patterns = new HashSet<>();
            StringBuilder commands = new StringBuilder("SUB end\r\n");
            for (int k = 0; k < 3; k++) {
                topics.add("t" + random.nextInt(topicCount));
            }
            if (random.nextInt(4) == 0) {
                patterns.add("t1*"); // overlaps t1 and t10..t19: each message must still arrive once
            }
            if (random.nextInt(4) == 0) {
                patterns.add("t?");
            }
            topics.forEach(t -> commands.append("SUB ").append(t).append("\r\n"));
            patterns.forEach(p -> commands.append("PSUB ").append(p).append("\r\n"));
            c.send(commands.toString());
            clients.add(c);
            topicSets.add(topics);
            patternSets.add(patterns);
        }
        for (int i = 0; i < clientCount; i++) {
            int replies = 1 + topicSets.get(i).size() + patternSets.get(i).size();
            for (int r = 0; r < replies; r++) {
                assertThat(clients.get(i).readLine()).isEqualTo("+OK"); // +OK: the broker has confirmed
            }
        }
        List<String[]> published = new ArrayList<>();
        for (int seq = 0; seq < 20; seq++) {
            for (int t = 0; t < topicCount; t++) {
                String topic = "t" + t;
                String payload = topic + ":" + seq;
                redis.publish(topic, payload.getBytes(StandardCharsets.UTF_8));
                published.add(new String[] {topic, payload});
            }
        }
        redis.publish("end", "done".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < clientCount; i++) {
            Map<String, List<String>> expected = new LinkedHashMap<>();
            for (String[] m : published) {
                if (wants(topicSets.get(i), patternSets.get(i), m[0])) {
                    expected.computeIfAbsent(m[0], k -> new ArrayList<>()).add(m[1]);
                }
            }
            Map<String, List<String>> received = new HashMap<>();
            while (true) {
                String line = clients.get(i).readLine();
                if (line.equals("MSG end - done")) {
                    break;
                }
                String[] parts = line.split(" ", 4);
                assertThat(parts[0]).isEqualTo("MSG");
                assertThat(parts[2]).isEqualTo("-");
                received.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(parts[3]);
            }
            assertThat(received).as("client %d (topics %s, patterns %s)", i, topicSets.get(i), patternSets.get(i))
                    .isEqualTo(expected);
        }
    }

    private static boolean wants(Set<String> topics, Set<String> patterns, String topic) {
        return topics.contains(topic) || patterns.stream().anyMatch(p -> RedisGlob.matches(p, topic));
    }
}
