package io.pushline.examples;

import static org.awaitility.Awaitility.await;

import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.SourceState;
import io.pushline.test.ClusterNode;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The long cluster run, only with {@code -Pcluster-soak}: a 1,000 msg/s stream with history over 60 topics on 3
 * servers and 60 clients, while the cluster goes through {@code pushline.cluster.rounds} operations (20 by default) in
 * turn: {@code kill -9} of a master, graceful failover, migration of 500 slots between two masters. (Not a forced
 * failover: with its master still taking writes, Redis drops the writes the master took after its replica took over,
 * acknowledged ones too, so no source can deliver those exactly once. With {@code -Dpushline.cluster.force=true}
 * forced failovers join the turn, and the run checks instead that no loss goes unannounced: after a {@code $lost}
 * notice every client holds exactly what Redis's history holds.)
 * Each round prints how long every server took to hold its subscriptions again (the source back {@code UP} after a
 * kill, or re-subscribed) and to deliver again, on every server, a message published on the affected shard after
 * the operation began. At the end every client must have every message exactly once, in order, and no client
 * connection may have been lost.
 */
@Tag("cluster-soak")
class RedisClusterSoakIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void failoversAndMigrationsInALoopDuringAStreamLoseNothing() throws Exception {
        int rounds = Integer.getInteger("pushline.cluster.rounds", 20);
        boolean force = Boolean.getBoolean("pushline.cluster.force");
        long seed = Long.getLong("pushline.cluster.seed", System.nanoTime());
        Random random = new Random(seed);
        List<String> topics = new ArrayList<>();
        for (ClusterNode master : cluster.masters()) {
            Set<Integer> slots = new HashSet<>(cluster.slotsOf(master));
            for (int i = 0, found = 0; found < 20; i++) {
                String topic = "soak." + master.port() + "." + i;
                if (slots.contains(cluster.slot(topic))) {
                    topics.add(topic);
                    found++;
                }
            }
        }
        ClusterRun run = new ClusterRun(cluster, closer, HistoryOptions.builder().size(200_000).build(), topics, 3,
                60, 10, 1_000);
        System.out.printf("cluster soak: %d rounds, seed %d%n", rounds, seed);
        Map<String, List<Long>> held = new HashMap<>();
        Map<String, List<Long>> delivering = new HashMap<>();
        for (int round = 0; round < rounds; round++) {
            List<String> ops = force ? List.of("kill -9", "failover", "failover force", "reshard 500")
                    : List.of("kill -9", "failover", "reshard 500");
            String op = ops.get(round % ops.size());
            List<ClusterNode> masters = cluster.masters();
            ClusterNode master = masters.get(random.nextInt(masters.size()));
            Set<Integer> affected = new HashSet<>(cluster.slotsOf(master));
            Map<String, Position> before = confirmedNow(run, affected);
            int[] resubscribed = run.servers.stream().mapToInt(s -> s.resubscribed.get()).toArray();
            long start = System.nanoTime();
            switch (op) {
                case "kill -9" -> cluster.kill(master);
                case "failover" -> cluster.failover(cluster.replicaOf(master));
                case "failover force" -> cluster.forceFailover(cluster.replicaOf(master));
                default -> {
                    ClusterNode to = masters.get((masters.indexOf(master) + 1) % masters.size());
                    affected = new HashSet<>(cluster.slotsOf(master).subList(0, 500));
                    before = confirmedNow(run, affected);
                    cluster.reshard(master, to, 500);
                }
            }
            long heldMs = 0;
            for (int i = 0; i < run.servers.size(); i++) {
                ClusterRun.Server s = run.servers.get(i);
                int seen = resubscribed[i];
                boolean moved = !subscribed(run, s, before.keySet()).isEmpty(); // it may hold none of them
                await("server " + i + " holds its subscriptions after " + op).atMost(TIMEOUT)
                        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                        .until(() -> (!moved || s.resubscribed.get() > seen)
                                && s.server.sourceState() == SourceState.UP);
                heldMs = Math.max(heldMs, (System.nanoTime() - start) / 1_000_000);
            }
            Map<String, Position> after = before;
            await("every server delivers the affected shard again after " + op).atMost(TIMEOUT)
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> deliversAfter(run, after));
            long deliveringMs = (System.nanoTime() - start) / 1_000_000;
            held.computeIfAbsent(op, k -> new ArrayList<>()).add(heldMs);
            delivering.computeIfAbsent(op, k -> new ArrayList<>()).add(deliveringMs);
            System.out.printf("round %d: %s of %s: subscriptions held again on every server after %d ms, delivering "
                    + "after %d ms; %d messages confirmed so far%n", round + 1, op, master, heldMs, deliveringMs,
                    run.stream.confirmed());
            cluster.heal();
        }
        if (force) {
            long notices = run.finishAllowingAnnouncedLoss(cluster);
            System.out.printf("cluster soak with forced failovers: %d rounds, %d $lost notices, seed %d%n", rounds,
                    notices, seed);
            return;
        }
        long deliveries = run.finish();
        for (String op : held.keySet()) {
            System.out.printf("%s: held again p50 %d ms, max %d ms; delivering again p50 %d ms, max %d ms (%d "
                    + "rounds)%n", op, p50(held.get(op)), max(held.get(op)), p50(delivering.get(op)),
                    max(delivering.get(op)), held.get(op).size());
        }
        System.out.printf("cluster soak: %d rounds, %d deliveries checked exactly once in order, seed %d%n", rounds,
                deliveries, seed);
    }

    /** The last position Redis confirmed, per topic whose slot is in {@code slots}. */
    private static Map<String, Position> confirmedNow(ClusterRun run, Set<Integer> slots) {
        Map<String, Position> now = new HashMap<>();
        for (String topic : run.topics) {
            if (slots.contains(cluster.slot(topic))) {
                List<Position> confirmed = run.stream.topic(topic).positions;
                synchronized (confirmed) {
                    if (!confirmed.isEmpty()) {
                        now.put(topic, confirmed.get(confirmed.size() - 1));
                    }
                }
            }
        }
        return now;
    }

    /** Those of {@code topics} that a client of the server subscribed. */
    private static Set<String> subscribed(ClusterRun run, ClusterRun.Server s, Set<String> topics) {
        Set<String> subscribed = new HashSet<>();
        run.clients.forEach((client, mine) -> {
            if (client.port == s.server.port()) {
                mine.stream().filter(topics::contains).forEach(subscribed::add);
            }
        });
        return subscribed;
    }

    /**
     * Whether every server whose clients subscribed some of the topics has a client that got a message of one of them
     * after its position in {@code before}.
     */
    private static boolean deliversAfter(ClusterRun run, Map<String, Position> before) {
        for (ClusterRun.Server s : run.servers) {
            if (subscribed(run, s, before.keySet()).isEmpty()) {
                continue;
            }
            boolean delivering = false;
            for (Map.Entry<StreamClient, List<String>> e : run.clients.entrySet()) {
                if (e.getKey().port != s.server.port()) {
                    continue;
                }
                for (String topic : e.getValue()) {
                    Position p = before.get(topic);
                    List<Position> got = e.getKey().positions.get(topic);
                    synchronized (got) {
                        if (p != null && !got.isEmpty() && got.get(got.size() - 1).offset() > p.offset()) {
                            delivering = true;
                        }
                    }
                }
            }
            if (!delivering) {
                return false;
            }
        }
        return true;
    }

    private static long p50(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
