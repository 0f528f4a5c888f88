package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerLimits;
import io.pushline.redis.RedisClusterMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.ClusterNode;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scale-out on a private Redis Cluster (3 masters, 1 replica each) with sharded Pub/Sub, end to end: three Pushline
 * servers, each on its own {@link RedisClusterMessageSource}, and clients speaking the wire protocol directly. Every
 * message reaches every subscribed client exactly once and in order, across 200 topics on all three shards; a
 * master killed with SIGKILL, a graceful failover and a migration of 1,000 slots during a 1,000 msg/s stream lose no
 * client connection and, with history on, no message; {@code PSUB} gets its {@code -ERR}.
 */
class RedisClusterIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final HistoryOptions history = HistoryOptions.builder().size(100_000).build();

    @AfterEach
    void heal() {
        cluster.heal();
    }

    /** A server, what its listener heard, and how its clients fared. */
    private static final class Server {
        final List<SourceState> states = new CopyOnWriteArrayList<>();
        final AtomicInteger resubscribed = new AtomicInteger();
        final List<String> disconnected = new CopyOnWriteArrayList<>();
        PushServer server;
    }

    private Server server(HistoryOptions history) {
        Server s = new Server();
        List<RedisURI> seeds = cluster.seeds().stream().map(RedisURI::create).toList();
        RedisClusterMessageSource source = history == null ? RedisClusterMessageSource.create(seeds)
                : RedisClusterMessageSource.create(seeds, history);
        s.server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(source).limits(ServerLimits.builder().maxReplay(100_000, 64 << 20).build())
                .timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1)))
                .listener(new PushListener() {
                    @Override
                    public void sourceStateChanged(SourceState state) {
                        s.states.add(state);
                    }

                    @Override
                    public void sourceResubscribed() {
                        s.resubscribed.incrementAndGet();
                    }

                    @Override
                    public void clientDisconnected(Client client, CloseReason reason) {
                        s.disconnected.add(client + ": " + reason);
                    }
                }).build().start());
        return s;
    }

    private StreamClient client(Server s) {
        return closer.add(new StreamClient(s.server.port()));
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
    void threeServersThreeHundredClientsTwoHundredTopicsOnEveryShardGetEveryMessageOnceInOrder() throws Exception {
        List<Server> servers = List.of(server(null), server(null), server(null));
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
        Server s = server(null);
        StreamClient client = client(s);
        assertThat(client.command("PSUB news.*")).isEqualTo("-ERR patterns not supported by this source");
        client.subscribe("after.psub");
        cluster.spublish("after.psub", "still here".getBytes(StandardCharsets.UTF_8));
        client.read(1);
        assertThat(client.payloads.get("after.psub")).containsExactly("still here");
    }

    @Test
    void aMasterKilledDuringAThousandMessagesASecondLosesNoConnectionAndWithHistoryNoMessage() throws Exception {
        ClusterNode victim = cluster.masters().get(1);
        List<String> topics = new ArrayList<>();
        for (ClusterNode master : cluster.masters()) {
            topics.addAll(topics("kill." + master.port() + ".", 10, on(master)));
        }
        Run run = new Run(topics);
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= 2_000); // 2 s
        long killed = System.nanoTime();
        cluster.kill(victim);
        for (Server s : run.servers) {
            await("server on " + s.server.port() + " UP again").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).until(() -> s.states.contains(SourceState.UP));
        }
        System.out.printf("kill -9 of master %s: every server's source UP again after %d ms%n", victim,
                (System.nanoTime() - killed) / 1_000_000);
        long after = run.stream.confirmed();
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).until(() -> run.stream.confirmed() >= after + 2_000);
        run.finish();
        for (Server s : run.servers) {
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
        Run run = new Run(topics);
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
        for (Server s : run.servers) {
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
                    .contains("one of --redis and --redis-cluster is needed, not both"));
        }
    }

    /**
     * Three servers with history, 30 clients (10 per server) on 6 topics each, and a 1,000 msg/s stream over the
     * topics; {@link #finish()} stops it and checks every client got every message exactly once, in order.
     */
    private final class Run {
        final List<Server> servers = List.of(server(history), server(history), server(history));
        final Map<StreamClient, List<String>> clients = new LinkedHashMap<>();
        final List<String> topics;
        final RedisPublisher publisher = closer.add(RedisPublisher.createCluster(
                cluster.seeds().stream().map(RedisURI::create).toList(), history));
        final ClusterStream stream;

        Run(List<String> topics) {
            this.topics = topics;
            for (int c = 0; c < 30; c++) {
                StreamClient client = client(servers.get(c % 3));
                List<String> mine = new ArrayList<>();
                for (int k = 0; k < 6; k++) {
                    mine.add(topics.get((c + 5 * k) % topics.size()));
                }
                mine.forEach(client::subscribe);
                client.startReading();
                clients.put(client, mine);
            }
            stream = closer.add(new ClusterStream(publisher, topics, 1_000));
        }

        void finish() throws InterruptedException {
            stream.stop(TIMEOUT);
            Map<String, Position> last = new HashMap<>();
            for (String topic : topics) {
                List<Position> confirmed = stream.topic(topic).positions;
                last.put(topic, confirmed.get(confirmed.size() - 1));
            }
            await("every client caught up on every topic").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20)).until(() -> clients.entrySet().stream().allMatch(e ->
                            e.getValue().stream().allMatch(topic -> caughtUp(e.getKey(), topic, last.get(topic)))));
            long deliveries = 0;
            for (Map.Entry<StreamClient, List<String>> e : clients.entrySet()) {
                StreamClient client = e.getKey();
                for (String topic : e.getValue()) {
                    deliveries += checkOnceInOrder(client, topic, last.get(topic));
                }
                assertThat(client.lost).as("$lost on port %d", client.port).isEmpty();
                assertThat(client.unexpected).isEmpty();
                assertThat(client.ended()).as("connection of a client of port %d", client.port).isNull();
            }
            for (Server s : servers) {
                assertThat(s.disconnected).as("clients disconnected by the server on %d", s.server.port()).isEmpty();
                assertThat(s.server.connectionCount()).isEqualTo(10);
                assertThat(s.server.metrics().history().topicsLost()).isZero();
            }
            System.out.printf("stream: %d messages confirmed (%d publishes retried), %d deliveries checked, gaps "
                    + "repaired by the servers: %s%n", stream.confirmed(), stream.retries(), deliveries,
                    servers.stream().map(s -> s.server.metrics().history().gapsRepaired()).toList());
        }

        private boolean caughtUp(StreamClient client, String topic, Position top) {
            List<Position> got = client.positions.get(topic);
            synchronized (got) {
                return !got.isEmpty() && got.get(got.size() - 1).offset() >= top.offset();
            }
        }

        /**
         * Every offset after the subscription's top up to {@code top}, once each, in order, in one epoch; every payload
         * Redis confirmed among them.
         */
        private long checkOnceInOrder(StreamClient client, String topic, Position top) {
            List<Position> got;
            List<String> payloads;
            synchronized (client.positions.get(topic)) {
                got = List.copyOf(client.positions.get(topic));
                payloads = List.copyOf(client.payloads.get(topic));
            }
            Position previous = client.tops.get(topic);
            for (Position p : got) {
                assertThat(p.follows(previous)).as("port %d, %s: %s after %s", client.port, topic, p, previous)
                        .isTrue();
                previous = p;
            }
            assertThat(previous).as("port %d, %s: the last one", client.port, topic).isEqualTo(top);
            assertThat(new HashSet<>(payloads)).as("port %d, %s: every confirmed payload", client.port, topic)
                    .containsAll(stream.topic(topic).payloads);
            return got.size();
        }
    }
}
