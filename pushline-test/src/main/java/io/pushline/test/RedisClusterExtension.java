package io.pushline.test;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a private Redis Cluster for a test class: 3 masters with 1 replica each by default, {@code redis-server}
 * processes on free loopback ports (each with its cluster bus on the port plus 10000), created with
 * {@code redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes}. Never the machine's shared Redis; nothing
 * is persisted. Creating it returns once every replica is in sync with its master (until then a replica could not
 * take over). Register it as a static field, so that one cluster serves the whole class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension();
 *
 * @AfterEach
 * void heal() {
 *     cluster.heal(); // the next test starts with every node up and every shard with its replica
 * }
 *
 * @Test
 * void survivesAFailover() {
 *     MessageSource source = RedisClusterMessageSource.create(cluster.uris());
 *     ClusterNode master = cluster.masterOf("news");
 *     cluster.kill(master);                        // kill -9: its replica takes over after the node timeout
 *     cluster.awaitHealthy();
 * }
 * }</pre>
 *
 * <p>Operations, each returning once the cluster did it: {@link #failover(ClusterNode)} (graceful
 * {@code CLUSTER FAILOVER} on a replica), {@link #forceFailover(ClusterNode)} ({@code CLUSTER FAILOVER FORCE}),
 * {@link #kill(ClusterNode)} ({@code kill -9} of any node), {@link #stop(ClusterNode)} and
 * {@link #start(ClusterNode)} (a stopped node rejoins with its old id; a former master comes back as a replica),
 * {@link #reshard(ClusterNode, ClusterNode, int)} ({@code redis-cli --cluster reshard ... --cluster-yes}),
 * {@link #stopAll()} and {@link #startAll()} (a whole-cluster outage), {@link #awaitHealthy()} (every running node
 * says {@code cluster_state:ok}, covers all slots, sees every running node as alive and agrees on who owns which
 * slot) and {@link #heal()}.
 *
 * <p>The binaries are {@code redis-server} and {@code redis-cli} on the {@code PATH}, or the files named by the
 * {@code REDIS_SERVER} and {@code REDIS_CLI} environment variables (a {@code redis-cli} next to
 * {@code REDIS_SERVER} is found too). When they are missing the test <b>fails</b> with an install hint; it never
 * skips. Each node's {@code nodes.conf} and log are in {@code target/redis-cluster-<port>/}. Every process started
 * is stopped after the class, also when a test failed. Thread-safe.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {
    /** How long cluster operations (creation, failovers, healing) may take before the test fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The default {@code cluster-node-timeout}: how long a master may be unreachable before its replica takes over. */
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofMillis(1000);

    private final int masters;
    private final int replicasPerMaster;
    private final Duration nodeTimeout;
    /** Read by the conditions Awaitility polls on its own thread, so not guarded by the monitor. */
    private final List<ClusterNode> nodes = new CopyOnWriteArrayList<>();

    /** A cluster of 3 masters with 1 replica each and a node timeout of {@link #DEFAULT_NODE_TIMEOUT}. */
    public RedisClusterExtension() {
        this(3, 1, DEFAULT_NODE_TIMEOUT);
    }

    /**
     * A cluster of the given shape.
     *
     * @param masters how many masters (shards), at least 3 (Redis needs a majority of masters to fail over)
     * @param replicasPerMaster replicas per master, 0 or more
     * @param nodeTimeout the {@code cluster-node-timeout}
     */
    public RedisClusterExtension(int masters, int replicasPerMaster, Duration nodeTimeout) {
        if (masters < 3 || replicasPerMaster < 0) {
            throw new IllegalArgumentException("at least 3 masters and 0 replicas: " + masters + ", "
                    + replicasPerMaster);
        }
        this.masters = masters;
        this.replicasPerMaster = replicasPerMaster;
        this.nodeTimeout = nodeTimeout;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        create();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        destroy();
    }

    /** Starts the processes and creates the cluster; returns once it is healthy. Called by {@link #beforeAll}. */
    public synchronized void create() {
        if (!nodes.isEmpty()) {
            return;
        }
        int count = masters * (1 + replicasPerMaster);
        try {
            List<ClusterNode> created = new ArrayList<>();
            for (int port : ClusterProcesses.freePorts(count)) {
                Path dir = Path.of("target", "redis-cluster-" + port).toAbsolutePath();
                ClusterProcesses.deleteRecursively(dir);
                created.add(new ClusterNode(port, dir, List.of("--cluster-node-timeout",
                        Long.toString(nodeTimeout.toMillis()), "--cluster-allow-replica-migration", "no",
                        "--loglevel", "notice")));
            }
            nodes.addAll(created);
            nodes.parallelStream().forEach(ClusterNode::start);
            List<String> cmd = new ArrayList<>(List.of(RedisBinaries.cli(), "--cluster", "create"));
            nodes.forEach(n -> cmd.add(n.toString()));
            cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            ClusterProcesses.cli(cmd);
            awaitHealthy();
            awaitReplicasInSync(); // a replica that has not synced yet cannot take over: kill -9 would be fatal
        } catch (RuntimeException | Error e) {
            destroy();
            throw e;
        }
    }

    /** Stops every process this extension started (SIGKILL: nothing is persisted). Called by {@link #afterAll}. */
    public synchronized void destroy() {
        RuntimeException failure = null;
        for (ClusterNode n : nodes) {
            try {
                n.kill();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        nodes.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Returns every node, masters first as created.
     *
     * @return the nodes
     */
    public List<ClusterNode> nodes() {
        return List.copyOf(nodes);
    }

    /**
     * Returns the URIs of all nodes, for a client's seed list.
     *
     * @return {@code redis://127.0.0.1:<port>} per node
     */
    public List<String> seeds() {
        return nodes().stream().map(ClusterNode::uri).toList();
    }

    /**
     * Returns the URIs of all nodes joined by commas, as {@code --redis-cluster} takes them.
     *
     * @return for example {@code redis://127.0.0.1:30001,redis://127.0.0.1:30002,...}
     */
    public String uris() {
        return String.join(",", seeds());
    }

    /**
     * Returns the current masters that own slots, ordered by their first slot.
     *
     * @return the masters
     */
    public List<ClusterNode> masters() {
        Map<Integer, ClusterNode> byFirstSlot = new TreeMap<>();
        for (ClusterView v : view()) {
            if (v.isMaster() && !v.slots().isEmpty()) {
                byFirstSlot.put(v.slots().get(0)[0], node(v.port()));
            }
        }
        return List.copyOf(byFirstSlot.values());
    }

    /**
     * Returns the cluster slot of a key or shard channel ({@code CLUSTER KEYSLOT}).
     *
     * @param key the key or channel
     * @return its slot, 0 to 16383
     */
    public int slot(String key) {
        return ((Long) anyRunning().command("CLUSTER", "KEYSLOT", key)).intValue();
    }

    /**
     * Returns the master that owns a key's or shard channel's slot now.
     *
     * @param key the key or channel
     * @return its master
     */
    public ClusterNode masterOf(String key) {
        return masterOfSlot(slot(key));
    }

    /**
     * Returns the master that owns a slot now.
     *
     * @param slot the slot
     * @return its master
     */
    public ClusterNode masterOfSlot(int slot) {
        for (ClusterView v : view()) {
            if (v.isMaster() && v.owns(slot)) {
                return node(v.port());
            }
        }
        throw new IllegalStateException("no master owns slot " + slot);
    }

    /**
     * Returns the slots a master owns now, ascending.
     *
     * @param master a master
     * @return its slots
     */
    public List<Integer> slotsOf(ClusterNode master) {
        List<Integer> slots = new ArrayList<>();
        for (ClusterView v : view()) {
            if (v.port() == master.port()) {
                v.slots().forEach(r -> {
                    for (int s = r[0]; s <= r[1]; s++) {
                        slots.add(s);
                    }
                });
            }
        }
        return slots;
    }

    /**
     * Returns a replica of a master.
     *
     * @param master a master
     * @return a node that replicates it now
     * @throws IllegalStateException when it has no replica
     */
    public ClusterNode replicaOf(ClusterNode master) {
        for (ClusterView v : view()) {
            if (master.id().equals(v.masterId()) && !v.flags().contains("fail")) {
                return node(v.port());
            }
        }
        throw new IllegalStateException(master + " has no replica");
    }

    /**
     * Graceful failover: {@code CLUSTER FAILOVER} on a replica, which takes over once it has every write of its
     * master (nothing is lost). Returns once the cluster is healthy with the replica as master.
     *
     * @param replica the replica to promote
     */
    public void failover(ClusterNode replica) {
        promote(replica, "CLUSTER", "FAILOVER");
    }

    /**
     * Forced failover: {@code CLUSTER FAILOVER FORCE} on a replica, which takes over without waiting for its master's
     * last writes. Returns once the cluster is healthy with the replica as master.
     *
     * @param replica the replica to promote
     */
    public void forceFailover(ClusterNode replica) {
        promote(replica, "CLUSTER", "FAILOVER", "FORCE");
    }

    private void promote(ClusterNode replica, Object... command) {
        replica.command(command);
        await(replica + " promoted").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> ((List<?>) replica.command("ROLE")).get(0).equals("master"));
        awaitHealthy();
    }

    /**
     * Kills a node with SIGKILL ({@code kill -9}) and returns once the process is gone. When it was a master, its
     * replica takes over after the node timeout: {@link #awaitHealthy()} waits for that.
     *
     * @param node the node
     */
    public void kill(ClusterNode node) {
        node.kill();
    }

    /**
     * Stops a node (SIGTERM) and returns once the process is gone.
     *
     * @param node the node
     */
    public void stop(ClusterNode node) {
        node.stop();
    }

    /**
     * Starts a stopped or killed node again with its {@code nodes.conf}: it rejoins the cluster with its old id (a
     * master that was failed over comes back as a replica of its successor). Returns once it answers PING; see
     * {@link #awaitHealthy()}.
     *
     * @param node the node
     */
    public void start(ClusterNode node) {
        node.start();
    }

    /** Stops every node at once (SIGTERM), for a whole-cluster outage; returns once all are gone. */
    public void stopAll() {
        nodes().parallelStream().forEach(ClusterNode::stop);
    }

    /** Starts every stopped node and waits until the cluster is healthy. */
    public void startAll() {
        nodes().parallelStream().forEach(ClusterNode::start);
        awaitHealthy();
    }

    /**
     * Moves slots from one master to another with {@code redis-cli --cluster reshard ... --cluster-yes} (the slots
     * move one by one, with their keys; redis-cli takes the source's lowest slots first). Returns once the cluster
     * is healthy again.
     *
     * @param from the master giving slots
     * @param to the master receiving them
     * @param slots how many
     */
    public void reshard(ClusterNode from, ClusterNode to, int slots) {
        ClusterProcesses.cli(List.of(RedisBinaries.cli(), "--cluster", "reshard", from.toString(), "--cluster-from", from.id(),
                "--cluster-to", to.id(), "--cluster-slots", Integer.toString(slots), "--cluster-yes"));
        awaitHealthy();
    }

    /**
     * Waits until every running node says {@code cluster_state:ok} with all 16384 slots served, sees every other
     * running node as alive, and agrees with the others on which master owns each slot.
     */
    public void awaitHealthy() {
        await("the cluster healthy").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(this::healthy);
    }

    /**
     * Starts every node that is not running, then waits until the cluster is healthy and every replica is in sync
     * with its master: the state a test should leave the cluster in.
     */
    public void heal() {
        nodes().parallelStream().forEach(ClusterNode::start);
        awaitHealthy();
        awaitReplicasInSync();
    }

    /**
     * Waits until every master that owns slots has its replicas, each in sync with it, and no node is a master
     * without slots (a killed master that restarts is a master until it learns it was replaced).
     */
    private void awaitReplicasInSync() {
        await("every replica in sync").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> {
                    List<ClusterView> view = view();
                    for (ClusterView v : view) {
                        if (v.isMaster() && v.slots().isEmpty()) {
                            return false;
                        }
                        long replicas = view.stream().filter(r -> v.id().equals(r.masterId())).count();
                        if (v.isMaster() && replicas < replicasPerMaster) {
                            return false;
                        }
                    }
                    return nodes().stream().allMatch(n -> {
                        String info = (String) n.command("INFO", "replication");
                        return info.contains("role:master") || info.contains("master_link_status:up");
                    });
                });
    }

    /**
     * Publishes to a shard channel with {@code SPUBLISH} on the master of its slot.
     *
     * @param channel the shard channel
     * @param payload the payload
     * @return how many subscriptions on that node received it
     */
    public long spublish(String channel, byte[] payload) {
        return (Long) masterOf(channel).command("SPUBLISH", channel, payload);
    }

    /**
     * Returns how many clients of a node subscribe a shard channel ({@code PUBSUB SHARDNUMSUB}).
     *
     * @param node the node
     * @param channel the shard channel
     * @return the count
     */
    public long shardNumsub(ClusterNode node, String channel) {
        return (Long) ((List<?>) node.command("PUBSUB", "SHARDNUMSUB", channel)).get(1);
    }

    /**
     * Returns the shard channels a node has subscribers for ({@code PUBSUB SHARDCHANNELS}), sorted.
     *
     * @param node the node
     * @return the channels
     */
    public List<String> shardChannels(ClusterNode node) {
        return ((List<?>) node.command("PUBSUB", "SHARDCHANNELS")).stream().map(String::valueOf).sorted().toList();
    }

    private boolean healthy() {
        List<ClusterNode> running = nodes().stream().filter(ClusterNode::isRunning).toList();
        Set<Integer> alive = running.stream().map(ClusterNode::port).collect(Collectors.toSet());
        String owners = null;
        for (ClusterNode n : running) {
            String info = (String) n.command("CLUSTER", "INFO");
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                return false;
            }
            List<ClusterView> view = ClusterView.parse((String) n.command("CLUSTER", "NODES"));
            for (ClusterView v : view) {
                if (alive.contains(v.port()) && v.isSuspect()) {
                    return false;
                }
            }
            String mine = view.stream().filter(v -> v.isMaster() && !v.slots().isEmpty())
                    .sorted(Comparator.comparingInt(v -> v.slots().get(0)[0]))
                    .map(v -> v.port() + ":" + v.slots().stream().map(r -> r[0] + "-" + r[1])
                            .collect(Collectors.joining(",")))
                    .collect(Collectors.joining(" "));
            if (owners != null && !owners.equals(mine)) {
                return false;
            }
            owners = mine;
        }
        return owners != null;
    }

    private List<ClusterView> view() {
        return ClusterView.parse((String) anyRunning().command("CLUSTER", "NODES"));
    }

    private ClusterNode anyRunning() {
        return nodes().stream().filter(ClusterNode::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster runs"));
    }

    private ClusterNode node(int port) {
        return nodes().stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node on port " + port));
    }
}
