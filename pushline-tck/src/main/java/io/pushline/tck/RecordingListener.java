package io.pushline.tck;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MessageListener} that records what a source delivers, for contract tests: messages in arrival order,
 * states, re-subscriptions and drops, and the most calls about one topic that ever overlapped. Thread-safe.
 */
public final class RecordingListener implements MessageListener {
    /** How long {@link #next()} waits. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
    private final List<SourceState> states = new CopyOnWriteArrayList<>();
    private final AtomicInteger resubscribed = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger maxOverlap = new AtomicInteger();
    private final AtomicBoolean throwOnce = new AtomicBoolean();

    /** Creates an empty recorder. */
    public RecordingListener() {
    }

    /**
     * One delivery.
     *
     * @param pattern the pattern it came through, or null for a topic subscription
     * @param message the message
     */
    public record Received(String pattern, Message message) {
    }

    @Override
    public void onMessage(Message message) {
        record(null, message);
    }

    @Override
    public void onPatternMessage(String pattern, Message message) {
        record(pattern, message);
    }

    @Override
    public void onStateChange(SourceState state) {
        states.add(state);
    }

    @Override
    public void onResubscribed() {
        resubscribed.incrementAndGet();
    }

    @Override
    public void onMessagesDropped(DropReason reason, long count) {
        dropped.addAndGet(count);
    }

    private void record(String pattern, Message message) {
        AtomicInteger calls = inFlight.computeIfAbsent(message.topic(), t -> new AtomicInteger());
        maxOverlap.accumulateAndGet(calls.incrementAndGet(), Math::max);
        try {
            if (throwOnce.compareAndSet(true, false)) {
                throw new IllegalStateException("listener failure injected by the contract test");
            }
            queue.add(new Received(pattern, message));
        } finally {
            calls.decrementAndGet();
        }
    }

    /** Makes the next delivery throw, as a faulty listener would; the source must carry on. */
    public void throwOnce() {
        throwOnce.set(true);
    }

    /**
     * Takes the next delivery, waiting up to {@link #TIMEOUT}.
     *
     * @return the delivery
     * @throws InterruptedException when interrupted
     * @throws AssertionError when none arrived in time
     */
    public Received next() throws InterruptedException {
        Received r = poll(TIMEOUT);
        if (r == null) {
            throw new AssertionError("no message within " + TIMEOUT);
        }
        return r;
    }

    /**
     * Takes the next delivery, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait
     * @return the delivery, or null when none arrived in time
     * @throws InterruptedException when interrupted
     */
    public Received poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Forgets the deliveries not taken yet. */
    public void clear() {
        queue.clear();
    }

    /**
     * Returns the states reported so far, in order.
     *
     * @return a snapshot
     */
    public List<SourceState> states() {
        return List.copyOf(states);
    }

    /**
     * Returns how many re-subscriptions were reported.
     *
     * @return the count
     */
    public int resubscriptions() {
        return resubscribed.get();
    }

    /**
     * Returns how many messages the source reported as dropped.
     *
     * @return the count
     */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Returns the most listener calls about one topic that ran at the same time: 1 when the source keeps its
     * promise.
     *
     * @return the largest overlap seen
     */
    public int maxOverlapPerTopic() {
        return maxOverlap.get();
    }
}
