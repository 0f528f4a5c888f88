package io.pushline.bench.jmh;

import io.pushline.Client;
import io.pushline.ClientRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory {@link ClientRegistry}: the lookup the fan-out does once per message and event loop (lock-free,
 * a snapshot list), and a subscribe/unsubscribe pair on a topic that already has {@code subscribers} clients
 * (copy-on-write, so it costs O(subscribers)).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RegistryBenchmark {
    /** Clients subscribed to the looked-up topic. */
    @Param({"10", "1000", "10000"})
    public int subscribers;

    private static final int TOPICS = 1_000;
    private ClientRegistry<BenchClient> registry;
    private BenchClient extra;
    private int next;

    /** Creates the benchmark state; JMH calls it. */
    public RegistryBenchmark() {
    }

    /** Two partitions; {@code subscribers} clients on topic 0, and 1,000 other topics with one client each. */
    @Setup
    public void setUp() {
        registry = ClientRegistry.inMemory(2, c -> c.partition);
        for (int i = 0; i < subscribers; i++) {
            BenchClient c = new BenchClient("c" + i, i % 2);
            registry.add(c);
            registry.subscribe(c, "topic.0");
        }
        for (int t = 1; t <= TOPICS; t++) {
            BenchClient c = new BenchClient("t" + t, t % 2);
            registry.add(c);
            registry.subscribe(c, "topic." + t);
        }
        extra = new BenchClient("extra", 0);
        registry.add(extra);
    }

    /**
     * The fan-out's lookup: the subscribers of a topic on one partition.
     *
     * @return the snapshot
     */
    @Benchmark
    public List<BenchClient> lookup() {
        return registry.subscribers("topic.0", (next++) & 1);
    }

    /**
     * A client joining and leaving a topic that {@code subscribers} clients are on.
     *
     * @return whether the unsubscribe found the subscription
     */
    @Benchmark
    public boolean subscribeUnsubscribe() {
        registry.subscribe(extra, "topic.0");
        return registry.unsubscribe(extra, "topic.0");
    }

    /** A client with nothing behind it. */
    public static final class BenchClient implements Client {
        private static final SocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 1);
        private final String id;
        final int partition;

        BenchClient(String id, int partition) {
            this.id = id;
            this.partition = partition;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public SocketAddress remoteAddress() {
            return ADDRESS;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean send(byte[] payload) {
            return false;
        }

        @Override
        public void close() {
            // nothing to close
        }
    }
}
