package io.pushline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The history of an {@link InMemoryMessageSource}: per topic a ring of the last messages, the top offset and the
 * epoch. Expiry is applied when a topic is touched (and swept now and then), measured from the topic's last
 * publish. Thread-safe: each topic's state is guarded by itself.
 */
final class InMemoryHistory {
    private static final int SWEEP_EVERY = 4_096;

    private final HistoryOptions options;
    private final long ttlNanos;
    private final long metaTtlNanos;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private int untilSweep = SWEEP_EVERY;

    InMemoryHistory(HistoryOptions options) {
        this.options = options;
        this.ttlNanos = options.ttl().toNanos();
        this.metaTtlNanos = options.metaTtl().toNanos();
    }

    boolean appliesTo(String topic) {
        return options.appliesTo(topic);
    }

    /**
     * Gives {@code message} the topic's next position, keeps it, and passes the positioned message to
     * {@code dispatch} before the next publish on the topic can, so that dispatch order is offset order.
     */
    void append(Message message, Consumer<Message> dispatch) {
        sweepNowAndThen();
        Topic t = topics.computeIfAbsent(message.topic(), k -> new Topic());
        synchronized (t) {
            long now = System.nanoTime();
            t.expire(now);
            Message positioned = message.at(Position.of(++t.top, t.epoch));
            t.ring.addLast(positioned);
            while (t.ring.size() > options.size()) {
                t.ring.removeFirst();
            }
            t.lastPublish = now;
            dispatch.accept(positioned);
        }
    }

    HistoryRead read(String topic, HistoryQuery query) {
        Topic t = topics.computeIfAbsent(topic, k -> new Topic());
        synchronized (t) {
            t.expire(System.nanoTime());
            Position top = Position.of(t.top, t.epoch);
            List<Message> out = new ArrayList<>();
            if (query.isLatest()) {
                int skip = Math.max(0, t.ring.size() - query.limit());
                Iterator<Message> it = t.ring.iterator();
                for (int i = 0; it.hasNext(); i++) {
                    Message m = it.next();
                    if (i >= skip) {
                        out.add(m);
                    }
                }
            } else if (t.top - query.after() <= query.limit()) {
                for (Message m : t.ring) {
                    if (m.position().offset() > query.after()) {
                        out.add(m);
                    }
                }
            }
            return new HistoryRead(top, out);
        }
    }

    /** Forgets a topic's history and position: its next message starts a new epoch. */
    void forget(String topic) {
        topics.remove(topic);
    }

    private void sweepNowAndThen() {
        // a racy countdown is fine: it only decides how often expired topics are removed
        if (--untilSweep > 0) {
            return;
        }
        untilSweep = SWEEP_EVERY;
        long now = System.nanoTime();
        topics.values().removeIf(t -> {
            synchronized (t) {
                return now - t.lastPublish > metaTtlNanos;
            }
        });
    }

    /** One topic's history. Guarded by itself. */
    private final class Topic {
        String epoch = Position.newEpoch();
        long top;
        long lastPublish = System.nanoTime();
        final ArrayDeque<Message> ring = new ArrayDeque<>();

        void expire(long now) {
            long idle = now - lastPublish;
            if (idle > metaTtlNanos) {
                epoch = Position.newEpoch();
                top = 0;
                ring.clear();
                lastPublish = now;
            } else if (idle > ttlNanos) {
                ring.clear();
            }
        }
    }
}
