package io.pushline.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.SourceState;
import io.pushline.test.ClusterNode;
import io.pushline.test.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisClusterMessageSource} on a private Redis Cluster (3 masters, 1 replica each): subscriptions on the
 * master of each topic's slot, and following it through a graceful failover, a {@code kill -9} of a master, a slot
 * migration, and a {@code MOVED} answered to a subscription made on a stale topology.
 */
class RedisClusterMessageSourceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        cluster.heal(); // every node up, every shard with its replica, for the next test
    }

    private RedisClusterMessageSource started(RecordingListener listener) {
        RedisClusterMessageSource source = RedisClusterMessageSource.create(cluster.uris());
        closing.add(source);
        source.start(listener);
        return source;
    }

    /** {@code n} topics, named {@code prefix0}..., grouped by the master that owns their slot now. */
    private static Map<ClusterNode, List<String>> topicsByMaster(String prefix, int n) {
        Map<ClusterNode, List<String>> byMaster = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String topic = prefix + i;
            byMaster.computeIfAbsent(cluster.masterOfSlot(RedisKeys.slot(topic)), k -> new ArrayList<>()).add(topic);
        }
        return byMaster;
    }

    private static void subscribeAll(RedisClusterMessageSource source, Iterable<List<String>> groups) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        groups.forEach(topics -> topics.forEach(t -> done.add(source.subscribe(t))));
        CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Publishes to each topic (on its slot's master now) until the listener got a message of each: again every
     * 500 ms to those still missing (a subscription may be on its way to a new master).
     */
    private static void flows(RecordingListener listener, List<String> topics) {
        long[] published = {0};
        await(topics + " deliver").atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    Set<String> got = new HashSet<>();
                    listener.messages.forEach(r -> got.add(r.message.topic()));
                    List<String> missing = topics.stream().filter(t -> !got.contains(t)).toList();
                    if (!missing.isEmpty() && System.nanoTime() - published[0] > 500_000_000L) {
                        missing.forEach(t -> cluster.spublish(t, t.getBytes(UTF_8)));
                        published[0] = System.nanoTime();
                    }
                    return missing.isEmpty();
                });
    }

    /** How many MOVED errors a node has replied so far ({@code INFO errorstats}). */
    private static long movedReplies(ClusterNode node) {
        for (String line : ((String) node.command("INFO", "errorstats")).split("\r?\n")) {
            if (line.startsWith("errorstat_MOVED:count=")) {
                return Long.parseLong(line.substring("errorstat_MOVED:count=".length()));
            }
        }
        return 0;
    }

    @Test
    void everyTopicIsSubscribedOnTheMasterOfItsSlotOnly() {
        RecordingListener listener = new RecordingListener();
        RedisClusterMessageSource source = started(listener);
        Map<ClusterNode, List<String>> byMaster = topicsByMaster("spread.", 60);
        assertThat(byMaster).as("60 topics cover the 3 masters").hasSize(3);
        subscribeAll(source, byMaster.values());
        for (Map.Entry<ClusterNode, List<String>> e : byMaster.entrySet()) {
            assertThat(cluster.shardChannels(e.getKey())).as("shard channels of %s", e.getKey())
                    .containsExactlyInAnyOrderElementsOf(e.getValue());
        }
        for (ClusterNode n : cluster.nodes()) {
            if (!byMaster.containsKey(n)) {
                assertThat(cluster.shardChannels(n)).as("replica %s holds no subscription", n).isEmpty();
            }
        }
        byMaster.values().forEach(topics -> topics.forEach(t -> cluster.spublish(t, t.getBytes(UTF_8))));
        await().atMost(TIMEOUT).until(() -> listener.messages.size() == 60);
        Set<String> got = new HashSet<>();
        listener.messages.forEach(r -> got.add(new String(r.message.payload(), UTF_8)));
        assertThat(got).hasSize(60);
        assertThat(source.state()).isEqualTo(SourceState.UP);
        byMaster.forEach((master, topics) -> assertThat(source.toString())
                .contains(master + " (" + topics.size() + " channels, " + topics.size() + " held)"));
    }

    @Test
    void aGracefulFailoverMovesTheSubscriptionsToTheNewMasterWithoutAnOutage() {
        RecordingListener listener = new RecordingListener();
        RedisClusterMessageSource source = started(listener);
        Map<ClusterNode, List<String>> byMaster = topicsByMaster("graceful.", 30);
        subscribeAll(source, byMaster.values());
        ClusterNode old = cluster.masters().get(0);
        ClusterNode replica = cluster.replicaOf(old);

        cluster.failover(replica); // the old master pushes sunsubscribe for every shard channel it had

        await().atMost(TIMEOUT).until(() -> listener.resubscribed.get() == 1);
        assertThat(cluster.shardChannels(replica)).containsExactlyInAnyOrderElementsOf(byMaster.get(old));
        assertThat(cluster.shardChannels(old)).isEmpty();
        assertThat(listener.states).as("nothing was unreachable").isEmpty();
        byMaster.values().forEach(topics -> flows(listener, topics));
    }

    @Test
    void aKilledMasterMakesTheSourceDegradedUntilItsReplicaTookOver() {
        RecordingListener listener = new RecordingListener();
        RedisClusterMessageSource source = started(listener);
        Map<ClusterNode, List<String>> byMaster = topicsByMaster("killed.", 30);
        subscribeAll(source, byMaster.values());
        ClusterNode victim = cluster.masters().get(1);
        ClusterNode heir = cluster.replicaOf(victim);

        cluster.kill(victim);

        await().atMost(TIMEOUT).until(() -> source.state() == SourceState.DEGRADED);
        for (Map.Entry<ClusterNode, List<String>> e : byMaster.entrySet()) {
            if (!e.getKey().equals(victim)) {
                flows(listener, e.getValue()); // the other shards deliver meanwhile
            }
        }
        await().atMost(TIMEOUT).until(() -> listener.resubscribed.get() == 1);
        assertThat(listener.states).containsExactly(SourceState.DEGRADED, SourceState.UP);
        assertThat(cluster.shardChannels(heir)).containsExactlyInAnyOrderElementsOf(byMaster.get(victim));
        flows(listener, byMaster.get(victim));
    }

    @Test
    void aMigratedSlotTakesItsSubscriptionsToTheNewMaster() {
        RecordingListener listener = new RecordingListener();
        RedisClusterMessageSource source = started(listener);
        ClusterNode from = cluster.masters().get(0);
        ClusterNode to = cluster.masters().get(2);
        List<Integer> moving = cluster.slotsOf(from).subList(0, 20); // redis-cli moves the lowest slots first
        List<String> migrating = new ArrayList<>();
        List<String> staying = new ArrayList<>();
        for (int i = 0; migrating.size() < 5 || staying.size() < 5; i++) {
            String topic = "migrating." + i;
            int slot = RedisKeys.slot(topic);
            if (moving.contains(slot) && migrating.size() < 5) {
                migrating.add(topic);
            } else if (!moving.contains(slot) && staying.size() < 5) {
                staying.add(topic);
            }
        }
        subscribeAll(source, List.of(migrating, staying));

        cluster.reshard(from, to, moving.size()); // each slot's old master pushes sunsubscribe as the slot leaves

        await().atMost(TIMEOUT).until(() -> listener.resubscribed.get() >= 1);
        assertThat(cluster.shardChannels(to)).containsAll(migrating);
        assertThat(cluster.shardChannels(from)).doesNotContainAnyElementsOf(migrating);
        assertThat(listener.states).isEmpty();
        flows(listener, migrating);
        flows(listener, staying);
    }

    @Test
    void aSubscriptionMadeOnAStaleTopologyFollowsTheMovedReply() {
        RecordingListener listener = new RecordingListener();
        RedisClusterMessageSource source = started(listener); // reads the topology now
        ClusterNode from = cluster.masters().get(1);
        ClusterNode to = cluster.masters().get(0);
        int slot = cluster.slotsOf(from).get(0);
        String topic = null;
        for (int i = 0; topic == null; i++) {
            topic = RedisKeys.slot("stale." + i) == slot ? "stale." + i : null;
        }

        cluster.reshard(from, to, 1); // the source was not subscribed there: nothing tells it
        long moved = movedReplies(from);

        assertThat(source.subscribe(topic)).succeedsWithin(TIMEOUT); // SSUBSCRIBE on the old master: MOVED
        assertThat(movedReplies(from)).as("MOVED replies of the old master").isEqualTo(moved + 1);
        assertThat(cluster.shardChannels(to)).containsExactly(topic);
        flows(listener, List.of(topic));
    }
}
