package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisClusterMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.ClusterNode;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisClusterExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scale-out on a private Redis Cluster (3 masters, 1 replica each) with sharded Pub/Sub, end to end: three Pushline
 * servers, each on its own {@link RedisClusterMessageSource}, and clients speaking the wire protocol directly. Every
 * message reaches every subscribed client exactly once and in order, across 200 topics on all three shards; a
 * master killed with SIGKILL, a graceful failover and a migration of 1,000 slots during a 1,000 msg/s stream lose no
 * client connection and, with history on, no message; {@code PSUB} gets its {@code -ERR}; a server started while the
 * whole cluster is down ({@code awaitSource(false)}) serves, and subscribes once the cluster is back.
 */
class RedisClusterIT {
    private static final Duration TIMEOUT = ClusterRun.TIMEOUT;

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final HistoryOptions history = HistoryOptions.builder().size(100_000).build();

    @AfterEach
    void heal() {
        cluster.heal();
    }

    private ClusterRun.Server server(HistoryOptions history) {
        return ClusterRun.server(cluster, closer, history);
    }

    private StreamClient client(ClusterRun.Server s) {
        return client(s.server.port());
    }

    private StreamClient client(int port) {
        return closer.add(new StreamClient(port));
    }

    /** Three servers with history, 30 clients on 6 topics each, a 1,000 msg/s stream over the topics. */
    private ClusterRun run(List<String> topics) {
        return new ClusterRun(cluster, closer, history, topics, 3, 30, 6, 1_000);
    }

    /** {@code n} topics {@code prefix<i>} whose slots pass {@code slots}. */
    private static List<String> topics(String prefix, int n, IntPredicate slots) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; topics.size() < n; i++) {
            if (slots.test(cluster.slot(prefix + i))) {
                topics.add(prefix + i);
            }
        }
        return topics;
    }

    private static IntPredicate on(ClusterNode master) {
        Set<Integer> slots = new HashSet<>(cluster.slotsOf(master));
        return slots::contains;
    }

    @Test
    void aServerStartedWhileTheWholeClusterIsDownServesAndSubscribesOnceItIsBack() {
        cluster.stopAll();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0)
                .source(RedisClusterMessageSource.create(cluster.uris())).defaultTopics("updates")
                .awaitSource(false).build().start());
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.connectionCount() == 1);
        assertThat(server.sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(server.isSubscribed("updates")).isFalse();

        cluster.startAll();
        await().atMost(TIMEOUT).until(() -> server.isSubscribed("updates"));
        assertThat(server.sourceState()).isEqualTo(SourceState.UP);
        cluster.spublish("updates", "the cluster came".getBytes(StandardCharsets.UTF_8));
        assertThat(client.readLine()).isEqualTo("the cluster came");
    }

    @Test
    void threeServersThreeHundredClientsTwoHundredTopicsOnEveryShardGetEveryMessageOnceInOrder() throws Exception {
        List<ClusterRun.Server> servers = List.of(server(null), server(null), server(null));
        List<String> topics = topics("news.", 200, slot -> true);
        Map<ClusterNode, List<String>> byMaster = new HashMap<>();
        topics.forEach(t -> byMaster.computeIfAbsent(cluster.masterOf(t), k -> new ArrayList<>()).add(t));
        assertThat(byMaster).as("200 topics cover the 3 shards").hasSize(3);
        List<StreamClient> clients = new ArrayList<>();
        Map<String, Set<Integer>> serversOf = new HashMap<>();
        for (int c = 0; c < 300; c++) {
            StreamClient client = client(servers.get(c % 3));
            for (int k = 0; k < 10; k++) { // 10 topics each, 15 clients per topic, spread over the servers
                String topic = topics.get((c + 20 * k) % 200);
                client.subscribe(topic);
                serversOf.computeIfAbsent(topic, t -> new HashSet<>()).add(c % 3);
            }
            clients.add(client);
        }
        for (Map.Entry<ClusterNode, List<String>> e : byMaster.entrySet()) {
            long held = 0;
            for (String topic : e.getValue()) {
                long n = cluster.shardNumsub(e.getKey(), topic);
                assertThat(n).as("subscribers of %s on %s", topic, e.getKey()).isEqualTo(serversOf.get(topic).size());
                held += n;
            }
            assertThat(held).as("subscriptions on master %s", e.getKey()).isPositive();
        }
        int perTopic = 20;
        try (RedisPublisher publisher = RedisPublisher.createCluster(cluster.uris())) {
            for (int i = 0; i < perTopic; i++) {
                for (String topic : topics) {
                    publisher.publish(topic, topic + ":" + i).join();
                }
            }
        }
        long deliveries = 0;
        for (StreamClient client : clients) {
            client.read(10 * perTopic); // 200 lines of about 20 bytes: all in the socket buffer by now
            for (Map.Entry<String, List<String>> e : client.payloads.entrySet()) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perTopic; i++) {
                    expected.add(e.getKey() + ":" + i);
                }
                assertThat(e.getValue()).as("topic %s on port %d", e.getKey(), client.port).isEqualTo(expected);
                deliveries += e.getValue().size();
            }
            assertThat(client.command("UNSUB nothing")).as("nothing more arrived").isEqualTo("+OK");
            assertThat(client.unexpected).isEmpty();
        }
        assertThat(deliveries).isEqualTo(300 * 10 * perTopic);
        servers.forEach(s -> assertThat(s.states).isEmpty());
    }

    @Test
    void patternsAreRefusedWithTheDocumentedErrorAndTheConnectionStaysUsable() {
        ClusterRun.Server s = server(null);
        StreamClient client = client(s);
        assertThat(client.command("PSUB news.*")).isEqualTo("-ERR patterns not supported by this source");
        client.subscribe("after.psub");
        cluster.spublish("after.psub", "still here".getBytes(StandardCharsets.UTF_8));
        client.read(1);
        assertThat(client.payloads.get("after.psub")).containsExactly("still here");
    }

    @Test
    void aClientsPubGoesToTheMasterOfTheTopicsSlotWithAPosition() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .allowPublish(true).source(RedisClusterMessageSource.create(ClusterRun.seeds(cluster), history))
                .build().start());
        StreamClient reader = client(server.port());
        StreamClient writer = client(server.port());
        List<String> topics = new ArrayList<>();
        for (ClusterNode master : cluster.masters()) {
            topics.addAll(topics("pub." + master.port() + ".", 1, on(master)));
        }
        topics.forEach(reader::subscribe);
        for (String topic : topics) {
            assertThat(writer.command("PUB " + topic + " via the server")).isEqualTo("+OK");
        }
        reader.read(topics.size());
        for (String topic : topics) {
            assertThat(reader.positions.get(topic)).containsExactly(reader.tops.get(topic).plus(1));
            assertThat(reader.payloads.get(topic)).containsExactly("via the server");
        }
    }

    @Test
    void aMasterKilledDuringAThousandMessagesASecondLosesNoConnectionAndWithHistoryNoMessage() throws Exception {
        ClusterNode victim = cluster.masters().get(1);
        List<String> topics = new ArrayList<>();
        for (ClusterNode master : cluster.masters()) {
            topics.addAll(topics("kill." + master.port() + ".", 10, on(master)));
        }
        ClusterRun run = run(topics);
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= 2_000); // 2 s
        long killed = System.nanoTime();
        cluster.kill(victim);
        for (ClusterRun.Server s : run.servers) {
            await("server on " + s.server.port() + " UP again").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).until(() -> s.states.contains(SourceState.UP));
        }
        System.out.printf("kill -9 of master %s: every server's source UP again after %d ms%n", victim,
                (System.nanoTime() - killed) / 1_000_000);
        long after = run.stream.confirmed();
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= after + 2_000);
        run.finish();
        for (ClusterRun.Server s : run.servers) {
            assertThat(s.states).as("states of the server on %d", s.server.port())
                    .containsExactly(SourceState.DEGRADED, SourceState.UP);
        }
    }

    @Test
    void aGracefulFailoverAndAThousandSlotsMigratedDuringTheStreamLoseNothing() throws Exception {
        List<ClusterNode> masters = cluster.masters();
        ClusterNode failingOver = masters.get(0);
        ClusterNode from = masters.get(1);
        ClusterNode to = masters.get(2);
        Set<Integer> moving = new HashSet<>(cluster.slotsOf(from).subList(0, 1_000)); // redis-cli moves the lowest
        List<String> migrating = topics("move.", 10, moving::contains);
        List<String> topics = new ArrayList<>(migrating);
        topics.addAll(topics("failover.", 10, on(failingOver)));
        topics.addAll(topics("stay.", 10, on(to)));
        ClusterRun run = run(topics);
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= 2_000);
        cluster.failover(cluster.replicaOf(failingOver));
        long before = run.stream.confirmed();
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= before + 1_000);
        cluster.reshard(from, to, 1_000);
        long after = run.stream.confirmed();
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= after + 1_000);
        run.finish();
        for (String topic : migrating) {
            assertThat(cluster.shardNumsub(to, topic)).as("subscribers of %s on %s", topic, to).isEqualTo(3);
        }
        for (ClusterRun.Server s : run.servers) {
            assertThat(s.states).as("nothing was unreachable").isEmpty();
            assertThat(s.resubscribed.get()).as("subscriptions moved").isPositive();
        }
    }

    @Test
    void theCliServesAndPublishesOnTheClusterAndNamesItsShards() throws Exception {
        try (CliProcess server = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--protocol",
                "commands", "--redis-cluster", cluster.uris(), "--history")) {
            int port = server.awaitPort();
            assertThat(String.join("\n", server.stdout())).contains("3 shards: ")
                    .contains(cluster.masters().get(0) + " (slots ");
            try (StreamClient client = new StreamClient(port)) {
                client.subscribe("cli.news");
                Position top = client.tops.get("cli.news");
                try (CliProcess publish = new CliProcess("publish", "--redis-cluster", cluster.uris(), "cli.news",
                        "from the cli")) {
                    assertThat(publish.awaitExit(TIMEOUT)).isZero();
                    assertThat(publish.stdout()).containsExactly(top.plus(1).toString());
                }
                client.read(1);
                assertThat(client.positions.get("cli.news")).containsExactly(top.plus(1));
                assertThat(client.payloads.get("cli.news")).containsExactly("from the cli");
            }
        }
        try (CliProcess both = new CliProcess("publish", "--redis", cluster.seeds().get(0), "--redis-cluster",
                cluster.uris(), "x", "y")) {
            assertThat(both.awaitExit(TIMEOUT)).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", both.stderr())
                    .contains("give exactly one of --redis, --redis-cluster and --nats"));
        }
    }
}
