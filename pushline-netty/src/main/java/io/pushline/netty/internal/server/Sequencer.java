package io.pushline.netty.internal.server;

import io.pushline.DropReason;
import io.pushline.HistoryQuery;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.Position;
import io.pushline.SourceState;
import io.pushline.internal.LogText;
import io.pushline.internal.MessageAccess;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side gap repair, in front of the {@link FanOut}: per topic with history it remembers the position of the
 * last message delivered, and passes live messages on only in offset order, each once. When a message's offset
 * jumps (the source shed messages, or its broker connection dropped) or after the source re-subscribed (every topic,
 * or the topics it names), it reads
 * the missing range from history and delivers it first, holding the live messages that arrive meanwhile. What
 * history no longer holds is announced to the topic's clients as {@code MSG $lost <position> <topic>}, never
 * skipped in silence.
 *
 * <p>It also notices when the broker's history forked: a position that now names another message than the one
 * delivered (a Redis master that died or was failed over by force before its replica had its last writes; the
 * replica, promoted, gives their offsets to new messages). It keeps a checksum (CRC32C) of the last message
 * delivered per topic, and compares it with a live message of the same position and with history's message at that
 * position on every repair (which reads one message more for it). A fork is announced as {@code $lost} too, and
 * delivery goes on with the broker's messages.
 *
 * <p>Threading: each topic's state is guarded by itself, taken by the source's thread for the topic and by the
 * thread that completes a repair read; under it only non-blocking work runs (framing and queueing to outboxes).
 */
final class Sequencer implements MessageListener {
    private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);
    /** The most messages one repair reads; a longer gap is announced as lost. */
    static final int MAX_REPAIR = 10_000;
    /** The most live messages held per topic while a repair is in flight; past it the repair gives up. */
    static final int MAX_HELD = 10_000;
    /** The most payload bytes held per topic while a repair is in flight; past it the repair gives up. */
    static final long MAX_HELD_BYTES = 8L * 1024 * 1024;

    private final FanOut fanOut;
    private final MessageSource source;
    private final HistoryReads reads;
    private final ServerMetrics metrics;
    private final Duration timeout;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();

    Sequencer(FanOut fanOut, MessageSource source, HistoryReads reads, ServerMetrics metrics, Duration timeout) {
        this.fanOut = fanOut;
        this.source = source;
        this.reads = reads;
        this.metrics = metrics;
        this.timeout = timeout;
    }

    @Override
    public void onMessage(Message message) {
        if (message.position() == null || !source.hasHistory(message.topic())) {
            fanOut.onMessage(message);
            return;
        }
        Topic t = topics.computeIfAbsent(message.topic(), Topic::new);
        synchronized (t) {
            t.offer(message);
        }
    }

    @Override
    public void onPatternMessage(String pattern, Message message) {
        fanOut.onPatternMessage(pattern, message); // resume and repair are per topic subscription
    }

    @Override
    public void onStateChange(SourceState state) {
        fanOut.onStateChange(state);
    }

    /** The broker connection came back: every topic reads what it may have missed meanwhile. */
    @Override
    public void onResubscribed() {
        fanOut.onResubscribed();
        for (Topic t : topics.values()) {
            synchronized (t) {
                t.repair();
            }
        }
    }

    /** Some topics' subscriptions came back (a cluster shard failed over): they read what they may have missed. */
    @Override
    public void onTopicsResubscribed(Set<String> resubscribed) {
        fanOut.onTopicsResubscribed(resubscribed);
        for (String name : resubscribed) {
            Topic t = topics.get(name);
            if (t != null) {
                synchronized (t) {
                    t.repair();
                }
            }
        }
    }

    @Override
    public void onMessagesDropped(DropReason reason, long count) {
        fanOut.onMessagesDropped(reason, count); // shed messages of topics with history show up as gaps, repaired
    }

    /** The topic has no subscriber left: forget where it was (a new subscription starts afresh). */
    void forget(String topic) {
        topics.remove(topic);
    }

    /** One topic's delivery state. Guarded by itself. */
    private final class Topic {
        final String name;
        /** The last position delivered, or null before the first message. */
        Position last;
        /** The CRC32C of the payload of the message at {@link #last}. */
        int lastCrc;
        /** Live messages that arrived while a repair was in flight, in arrival order. */
        final ArrayDeque<Message> held = new ArrayDeque<>();
        long heldBytes;
        boolean repairing;

        Topic(String name) {
            this.name = name;
        }

        void offer(Message m) {
            if (repairing && (held.size() >= MAX_HELD || heldBytes + m.payloadLength() > MAX_HELD_BYTES)) {
                LOG.warn("topic {}: more than {} messages or {} bytes arrived during a repair; delivering them "
                        + "without it", LogText.escape(name), MAX_HELD, MAX_HELD_BYTES);
                repairing = false; // the read's late answer is ignored: it no longer matches this state
                Message first = held.isEmpty() ? m : held.peekFirst();
                lost(before(first.position()));
                drain();
            }
            if (repairing) {
                held.addLast(m);
                heldBytes += m.payloadLength();
                return;
            }
            process(m);
        }

        private void process(Message m) {
            Position p = m.position();
            if (last == null || p.follows(last)) {
                deliver(m);
            } else if (!p.sameEpoch(last)) {
                // the topic's history was lost (Redis restarted empty, keys expired): its clients must reload
                lost(before(p));
                deliver(m);
            } else if (p.offset() == last.offset() && crc(m) != lastCrc) {
                forked(m);
                deliver(m);
            } else if (p.offset() <= last.offset()) {
                LOG.debug("topic {}: dropped {} (already delivered up to {})", LogText.escape(name), p, last);
            } else {
                held.addFirst(m);
                heldBytes += m.payloadLength();
                repair();
            }
        }

        private void deliver(Message m) {
            last = m.position();
            lastCrc = crc(m);
            fanOut.onMessage(m);
        }

        /** {@code m} has a position delivered before, with another message: history forked there. */
        private void forked(Message m) {
            LOG.warn("topic {}: the broker's history forked at {} (a message delivered there is not in history: "
                    + "its master lost it); clients are told they lost messages", LogText.escape(name), m.position());
            lost(before(m.position()));
        }

        /** Reads what follows {@link #last} from history (no-op while a repair runs or before any message). */
        void repair() {
            if (repairing || last == null) {
                return;
            }
            repairing = true;
            Position from = last;
            // one message more than the gap: the last one delivered, to check that history still has it
            boolean check = from.offset() > 0;
            reads.read(name, check ? HistoryQuery.since(from.offset() - 1, MAX_REPAIR + 1)
                    : HistoryQuery.since(from.offset(), MAX_REPAIR))
                    .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .whenComplete((replay, error) -> {
                        synchronized (this) {
                            if (repairing && from.equals(last)) {
                                repaired(from, replay, error);
                            }
                        }
                    });
        }

        private void repaired(Position from, Replay replay, Throwable error) {
            repairing = false;
            if (error != null) {
                LOG.warn("topic {}: could not read history after {} ({})", LogText.escape(name), from,
                        error.toString());
                if (!held.isEmpty()) {
                    lost(before(held.peekFirst().position()));
                }
            } else if (forkedAt(from, replay) != null) {
                Message fork = forkedAt(from, replay);
                forked(fork);
                int at = replay.read.firstAfter(from.offset() - 1);
                for (int i = at; i < replay.read.messages().size(); i++) {
                    deliver(replay.read.messages().get(i));
                }
            } else if (replay.read.recoversFrom(from)) {
                int first = replay.read.firstAfter(from.offset());
                int n = replay.read.messages().size() - first;
                if (n > 0) {
                    metrics.gapsRepaired.increment();
                    metrics.messagesRepaired.add(n);
                    LOG.info("topic {}: repaired a gap of {} messages after {} from history", LogText.escape(name),
                            n, from);
                }
                for (int i = first; i < replay.read.messages().size(); i++) {
                    deliver(replay.read.messages().get(i));
                }
            } else {
                LOG.warn("topic {}: messages after {} are no longer in history (top {}); clients are told they "
                        + "are lost", LogText.escape(name), from, replay.read.top());
                Message next = held.peekFirst();
                lost(next != null && next.position().sameEpoch(replay.read.top()) ? before(next.position())
                        : replay.read.top());
            }
            drain();
        }

        /** History's message at {@code from}, when it is not the one delivered there; null otherwise. */
        private Message forkedAt(Position from, Replay replay) {
            int at = replay.read.firstAfter(from.offset() - 1);
            if (from.offset() == 0 || at >= replay.read.messages().size()) {
                return null;
            }
            Message m = replay.read.messages().get(at);
            return m.position() != null && m.position().equals(from) && crc(m) != lastCrc ? m : null;
        }

        private void drain() {
            Message m;
            while (!repairing && (m = held.pollFirst()) != null) {
                heldBytes -= m.payloadLength();
                process(m);
            }
        }

        private void lost(Position continueFrom) {
            last = continueFrom;
            fanOut.lost(name, continueFrom);
        }

        private Position before(Position p) {
            return p.offset() == 0 ? p : Position.of(p.offset() - 1, p.epoch());
        }
    }

    private static int crc(Message m) {
        CRC32C crc = new CRC32C();
        crc.update(MessageAccess.payloadArray(m));
        return (int) crc.getValue();
    }
}
