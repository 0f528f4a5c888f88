package io.pushline.examples;

import static org.awaitility.Awaitility.await;

import io.pushline.Position;
import io.pushline.redis.RedisPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of messages with positions through a cluster {@link RedisPublisher}: {@code perSecond} messages a
 * second in all, spread round-robin over the topics; per topic one publish at a time, in order, each payload
 * {@code <topic>:<n>}. A publish that fails (the topic's master died, its slot is migrating) is published again
 * until it succeeds, so every payload gets out at least once; one that failed after Redis ran it then gets out twice,
 * each time with its own position (the test knows: {@link #retries()}). What Redis confirmed is kept per topic.
 */
final class ClusterStream implements AutoCloseable {
    /** What Redis confirmed for a topic: positions and payloads, in publish order. */
    static final class Topic {
        final String name;
        final List<Position> positions = Collections.synchronizedList(new ArrayList<>());
        final List<String> payloads = Collections.synchronizedList(new ArrayList<>());
        long due;
        long sent;
        boolean inFlight;

        Topic(String name) {
            this.name = name;
        }
    }

    private final RedisPublisher publisher;
    private final Map<String, Topic> topics = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    /** Runs the retries, also while the stream drains after {@link #stop}. */
    private final ScheduledExecutorService retrier = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final int perTick;
    private int next;

    /** Starts publishing at once. */
    ClusterStream(RedisPublisher publisher, List<String> topics, int perSecond) {
        this.publisher = publisher;
        topics.forEach(t -> this.topics.put(t, new Topic(t)));
        this.perTick = Math.max(1, perSecond / 100);
        ticker.scheduleAtFixedRate(this::tick, 0, 10, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        List<Topic> all = new ArrayList<>(topics.values());
        for (int i = 0; i < perTick; i++) {
            Topic t = all.get(next++ % all.size());
            synchronized (t) {
                t.due++;
            }
            pump(t);
        }
    }

    private void pump(Topic t) {
        long n;
        synchronized (t) {
            if (t.inFlight || t.sent >= t.due) {
                return;
            }
            t.inFlight = true;
            n = t.sent + 1;
        }
        String payload = t.name + ":" + n;
        publisher.publishWithPosition(t.name, payload.getBytes(StandardCharsets.UTF_8)).whenComplete((p, e) -> {
            synchronized (t) {
                t.inFlight = false;
                if (e == null) {
                    t.sent = n;
                    t.positions.add(p);
                    t.payloads.add(payload);
                    confirmed.incrementAndGet();
                } else {
                    retries.incrementAndGet();
                }
            }
            if (e == null) {
                pump(t);
            } else if (!retrier.isShutdown()) {
                retrier.schedule(() -> pump(t), 20, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Messages Redis confirmed so far. */
    long confirmed() {
        return confirmed.get();
    }

    /** Publishes that failed and were tried again. */
    long retries() {
        return retries.get();
    }

    /** Stops adding messages and waits until every one due is confirmed. */
    void stop(Duration timeout) throws InterruptedException {
        ticker.shutdown();
        if (!ticker.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the stream's ticker did not stop");
        }
        await("every message due confirmed").atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(() -> topics.values().stream().allMatch(t -> {
                    synchronized (t) {
                        return t.sent >= t.due;
                    }
                }));
    }

    /** What Redis confirmed for a topic. */
    Topic topic(String name) {
        return topics.get(name);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        retrier.shutdownNow();
    }
}
