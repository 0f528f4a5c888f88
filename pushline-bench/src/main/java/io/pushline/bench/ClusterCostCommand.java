package io.pushline.bench;

import io.lettuce.core.RedisURI;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisClusterMessageSource;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.ClusterNode;
import io.pushline.test.RedisClusterExtension;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Classic Pub/Sub against sharded Pub/Sub on a private Redis Cluster (3 masters, 1 replica each, its own
 * {@code redis-server} processes), in one run: Pushline servers in this JVM relay every topic to line clients, once
 * on {@link RedisMessageSource}s ({@code SUBSCRIBE} on one node each, {@code PUBLISH} to the masters in turn, which
 * the cluster bus copies to every node) and once on {@link RedisClusterMessageSource}s ({@code SSUBSCRIBE} on the
 * master of each topic's slot, {@code SPUBLISH} there, copied only to that master's replica). Reports each node's
 * CPU per message and the deliveries per second; then kills a master with SIGKILL {@code --failovers} times during a
 * steady stream and reports how long every server took to deliver the dead master's topics again.
 */
@Command(name = "cluster-cost", mixinStandardHelpOptions = true,
        description = "Classic PUBLISH against SPUBLISH on a private 3-master Redis Cluster: Redis CPU per message "
                + "per node and deliveries/s; then the time from a master's death to delivery on every server.")
final class ClusterCostCommand implements Callable<Integer> {
    @Option(names = "--messages", description = "Messages per mode and round (default: ${DEFAULT-VALUE}).")
    int messages = 100_000;

    @Option(names = "--topics", description = "Topics, spread over the slots (default: ${DEFAULT-VALUE}).")
    int topics = 300;

    @Option(names = "--servers", description = "Pushline servers, each with its own source (default: "
            + "${DEFAULT-VALUE}).")
    int servers = 3;

    @Option(names = "--clients", description = "Clients per server, each subscribed to every topic (default: "
            + "${DEFAULT-VALUE}).")
    int clients = 2;

    @Option(names = "--size", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    int size = 100;

    @Option(names = "--window", description = "Publishes in flight (default: ${DEFAULT-VALUE}).")
    int window = 1_000;

    @Option(names = "--rounds", description = "Rounds of both modes; the first warms up (default: ${DEFAULT-VALUE}).")
    int rounds = 2;

    @Option(names = "--failovers", description = "Masters killed during the stream (default: ${DEFAULT-VALUE}).")
    int failovers = 5;

    @Option(names = "--rate", description = "Messages per second during the failovers (default: ${DEFAULT-VALUE}).")
    int rate = 1_000;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        out.printf(Locale.ROOT, "cluster cost: 3 masters + 3 replicas, %d topics, %d servers x %d clients (every "
                + "client on every topic), %d messages of %d bytes per mode and round, %d in flight, %d rounds%n",
                topics, servers, clients, messages, size, window, rounds);
        RedisClusterExtension cluster = new RedisClusterExtension();
        cluster.create();
        try {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < topics; i++) {
                names.add("bench." + i);
            }
            for (int round = 1; round <= rounds; round++) {
                String label = round == 1 ? " (warm-up)" : "";
                report("round " + round + label + ", classic PUBLISH + SUBSCRIBE", cluster, cost(cluster, names,
                        false));
                report("round " + round + label + ", SPUBLISH + cluster source (SSUBSCRIBE)", cluster,
                        cost(cluster, names, true));
            }
            failovers(cluster, names);
        } finally {
            cluster.destroy();
        }
        return 0;
    }

    /** What one mode cost: CPU seconds per node, the time, the deliveries. */
    private record Cost(Map<ClusterNode, Double> cpu, double seconds, long deliveries) {
    }

    private Cost cost(RedisClusterExtension cluster, List<String> names, boolean sharded) throws Exception {
        List<ClusterNode> masters = cluster.masters();
        List<PushServer> started = new ArrayList<>();
        List<LineReader> readers = new ArrayList<>();
        List<RedisPublisher> publishers = new ArrayList<>();
        try {
            for (int s = 0; s < servers; s++) {
                MessageSource source = sharded ? RedisClusterMessageSource.create(cluster.uris())
                        : RedisMessageSource.create(masters.get(s % masters.size()).uri());
                started.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                        .source(source).build().start());
            }
            for (PushServer server : started) {
                for (int c = 0; c < clients; c++) {
                    readers.add(LineReader.subscribed(server.port(), names));
                }
            }
            if (sharded) {
                publishers.add(RedisPublisher.createCluster(cluster.uris()));
            } else {
                masters.forEach(m -> publishers.add(RedisPublisher.create(m.uri())));
            }
            long expected = (long) messages * readers.size();
            byte[] payload = "x".repeat(size).getBytes(StandardCharsets.US_ASCII);
            Map<ClusterNode, Double> cpu0 = cpu(cluster);
            long start = System.nanoTime();
            Semaphore inFlight = new Semaphore(window);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < messages; i++) {
                inFlight.acquire();
                publishers.get(i % publishers.size()).publish(names.get(i % names.size()), payload)
                        .whenComplete((n, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                            inFlight.release();
                        });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (readers.stream().mapToLong(LineReader::lines).sum() < expected && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(5); // a benchmark's completion poll: nothing to await on
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<ClusterNode, Double> cpu = cpu(cluster);
            cpu.replaceAll((node, total) -> total - cpu0.get(node));
            if (failure.get() != null) {
                throw new IllegalStateException("publish failed", failure.get());
            }
            long got = readers.stream().mapToLong(LineReader::lines).sum();
            if (got < expected) {
                throw new IllegalStateException(got + " of " + expected + " deliveries within 120 s");
            }
            return new Cost(cpu, seconds, got);
        } finally {
            publishers.forEach(RedisPublisher::close);
            readers.forEach(LineReader::close);
            started.forEach(PushServer::close);
        }
    }

    private static Map<ClusterNode, Double> cpu(RedisClusterExtension cluster) {
        Map<ClusterNode, Double> cpu = new HashMap<>();
        cluster.nodes().forEach(n -> cpu.put(n, ProcStats.cpuSeconds(n.pid())));
        return cpu;
    }

    private void report(String title, RedisClusterExtension cluster, Cost cost) {
        Set<ClusterNode> masters = new HashSet<>(cluster.masters());
        StringBuilder nodes = new StringBuilder();
        double total = 0;
        for (ClusterNode n : cluster.nodes()) {
            double us = cost.cpu.get(n) * 1e6 / messages;
            total += us;
            nodes.append(String.format(Locale.ROOT, " %s %s %.2f", masters.contains(n) ? "master" : "replica", n,
                    us));
        }
        out.printf(Locale.ROOT, "%s: %.0f msg/s published, %.0f deliveries/s; Redis CPU µs per message:%s; all "
                + "nodes %.2f%n", title, messages / cost.seconds, cost.deliveries / cost.seconds, nodes, total);
    }

    /** Kills a master {@link #failovers} times during a steady stream; reports the time to delivery per server. */
    private void failovers(RedisClusterExtension cluster, List<String> names) throws Exception {
        out.printf(Locale.ROOT, "failovers: %d x kill -9 of a master during a %d msg/s stream of SPUBLISH, %d "
                + "servers on the cluster source, node timeout %d ms%n", failovers, rate, servers,
                RedisClusterExtension.DEFAULT_NODE_TIMEOUT.toMillis());
        List<PushServer> started = new ArrayList<>();
        List<LineReader> readers = new ArrayList<>();
        Map<PushServer, List<Long>> ups = new HashMap<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        AtomicLong seq = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Long> worst = new ArrayList<>();
        try (RedisPublisher publisher = RedisPublisher.createCluster(cluster.uris())) {
            for (int s = 0; s < servers; s++) {
                List<Long> upAt = new ArrayList<>();
                PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                        .source(RedisClusterMessageSource.create(cluster.uris())).listener(new PushListener() {
                            @Override
                            public void sourceStateChanged(SourceState state) {
                                if (state == SourceState.UP) {
                                    synchronized (upAt) {
                                        upAt.add(System.nanoTime());
                                    }
                                }
                            }
                        }).build().start();
                started.add(server);
                ups.put(server, upAt);
                readers.add(LineReader.subscribed(server.port(), names));
            }
            int perTick = Math.max(1, rate / 100);
            ticker.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perTick; i++) {
                    long n = seq.incrementAndGet();
                    publisher.publish(names.get((int) (n % names.size())), "s:" + n).whenComplete((r, e) -> {
                        if (e != null) {
                            failed.incrementAndGet(); // the dead master's topics until the publisher sees its heir
                        }
                    });
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            TimeUnit.SECONDS.sleep(2); // the stream runs before the first kill
            for (int f = 1; f <= failovers; f++) {
                List<ClusterNode> masters = cluster.masters();
                ClusterNode victim = masters.get(f % masters.size());
                Set<String> dead = new HashSet<>();
                Set<Integer> slots = new HashSet<>(cluster.slotsOf(victim));
                names.stream().filter(t -> slots.contains(cluster.slot(t))).forEach(dead::add);
                long atKill = seq.get();
                readers.forEach(r -> r.watch(dead, atKill));
                long killed = System.nanoTime();
                cluster.kill(victim);
                List<String> perServer = new ArrayList<>();
                long slowest = 0;
                for (int s = 0; s < servers; s++) {
                    LineReader r = readers.get(s);
                    long resumed = r.awaitResumed(TimeUnit.SECONDS.toNanos(60));
                    long ms = (resumed - killed) / 1_000_000;
                    slowest = Math.max(slowest, ms);
                    List<Long> upAt = ups.get(started.get(s));
                    long up;
                    synchronized (upAt) {
                        up = upAt.stream().filter(t -> t > killed).findFirst().map(t -> (t - killed) / 1_000_000)
                                .orElse(-1L);
                    }
                    perServer.add(String.format(Locale.ROOT, "server %d: source UP after %d ms, delivering after "
                            + "%d ms", s + 1, up, ms));
                }
                worst.add(slowest);
                out.printf(Locale.ROOT, "failover %d: kill -9 of master %s (%d topics); %s; every server "
                        + "delivering after %d ms%n", f, victim, dead.size(), String.join("; ", perServer), slowest);
                cluster.heal();
            }
        } finally {
            ticker.shutdownNow();
            readers.forEach(LineReader::close);
            started.forEach(PushServer::close);
        }
        List<Long> sorted = new ArrayList<>(worst);
        sorted.sort(null);
        out.printf(Locale.ROOT, "failover to delivery on every server: p50 %d ms, p99 %d ms (the slowest of %d; "
                + "samples %s); %d messages published, %d publishes failed while a master was dead%n",
                sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1), sorted.size(), worst, seq.get(),
                failed.get());
    }
}
