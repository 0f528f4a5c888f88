package io.pushline.nats;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Records what a source delivers; optionally throws after recording a state change. */
final class RecordingListener implements MessageListener {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
    final List<SourceState> states = new CopyOnWriteArrayList<>();
    final AtomicInteger resubscribed = new AtomicInteger();
    volatile boolean throwOnStateChange;
    /** Messages the source skipped to keep up ({@link DropReason#SERVER_OVERLOADED}). */
    final AtomicLong shed = new AtomicLong();
    /** When set, the first message waits for it to open: a listener that stalls the source's thread. */
    volatile CountDownLatch gate;

    @Override
    public void onMessage(Message message) {
        CountDownLatch g = gate;
        if (g != null) {
            gate = null;
            try {
                g.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        messages.add(new Received(null, message));
    }

    @Override
    public void onMessagesDropped(DropReason reason, long count) {
        if (reason == DropReason.SERVER_OVERLOADED) {
            shed.addAndGet(count);
        }
    }

    @Override
    public void onPatternMessage(String pattern, Message message) {
        messages.add(new Received(pattern, message));
    }

    @Override
    public void onResubscribed() {
        resubscribed.incrementAndGet();
    }

    @Override
    public void onStateChange(SourceState state) {
        states.add(state);
        if (throwOnStateChange) {
            throw new IllegalStateException("state listener failure injected by the test");
        }
    }

    Received next() throws InterruptedException {
        Received r = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no message within " + TIMEOUT);
        }
        return r;
    }

    /** One delivery: the pattern that matched ({@code null} for a plain subscription) and the message. */
    static final class Received {
        final String pattern;
        final Message message;

        Received(String pattern, Message message) {
            this.pattern = pattern;
            this.message = message;
        }

        @Override
        public String toString() {
            return (pattern == null ? "" : pattern + " -> ") + message;
        }
    }
}
