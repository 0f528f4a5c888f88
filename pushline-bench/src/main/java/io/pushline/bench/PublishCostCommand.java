package io.pushline.bench;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.redis.RedisPublisher;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a position costs the publisher and Redis: the same messages through {@link RedisPublisher}, once with a
 * plain {@code PUBLISH} and once through the history script (next offset, {@code XADD} with an exact
 * {@code MAXLEN}, TTLs, {@code PUBLISH} of the envelope), on a private Redis with one subscriber-less channel.
 * Reports messages per second and Redis CPU per message for each, and their ratio.
 */
@Command(name = "publish-cost", mixinStandardHelpOptions = true,
        description = "Plain PUBLISH against the history script: messages/s and Redis CPU per message.")
final class PublishCostCommand implements Callable<Integer> {
    @Option(names = "--messages", description = "Messages per mode and round (default: ${DEFAULT-VALUE}).")
    int messages = 100_000;

    @Option(names = "--size", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    int size = 200;

    @Option(names = "--window", description = "Publishes in flight (default: ${DEFAULT-VALUE}).")
    int window = 2_000;

    @Option(names = "--rounds", description = "Rounds of both modes; the first warms up (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--redis-server", description = "The redis-server binary (default: ${DEFAULT-VALUE}).")
    String redisBin = "redis-server";

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        out.printf(Locale.ROOT, "publish cost: %d messages of %d bytes per mode, %d in flight, %d rounds%n",
                messages, size, window, rounds);
        try (RedisProcess redis = RedisProcess.start(redisBin, 100)) {
            RedisURI uri = RedisURI.create("redis://127.0.0.1:" + redis.port());
            try (RedisPublisher plain = RedisPublisher.create(uri);
                    RedisPublisher history = RedisPublisher.create(uri, HistoryOptions.defaults())) {
                for (int round = 1; round <= rounds; round++) {
                    double[] p = run(plain, redis, "plain");
                    double[] h = run(history, redis, "history");
                    out.printf(Locale.ROOT, "round %d%s: plain PUBLISH %.0f msg/s, Redis %.2f µs/msg; history script "
                            + "%.0f msg/s, Redis %.2f µs/msg; ratio %.2fx the rate, %.1fx the Redis CPU%n", round,
                            round == 1 ? " (warm-up)" : "", p[0], p[1], h[0], h[1], h[0] / p[0], h[1] / p[1]);
                }
            }
        }
        return 0;
    }

    /** Publishes {@link #messages} and returns {messages per second, Redis CPU µs per message}. */
    private double[] run(RedisPublisher publisher, RedisProcess redis, String topic) throws Exception {
        byte[] payload = "x".repeat(size).getBytes(StandardCharsets.US_ASCII);
        Semaphore inFlight = new Semaphore(window);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        double cpu0 = ProcStats.cpuSeconds(redis.pid());
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            inFlight.acquire();
            publisher.publish(topic, payload).whenComplete((n, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(window, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("publishes not acknowledged after 60 s");
        }
        inFlight.release(window);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = ProcStats.cpuSeconds(redis.pid()) - cpu0;
        if (failure.get() != null) {
            throw new IllegalStateException("publish failed", failure.get());
        }
        return new double[] {messages / seconds, cpu * 1e6 / messages};
    }
}
