package io.pushline.netty.internal.server;

import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.MessageSource;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's history reads, shared: clients (and gap repairs) asking for the same topic and range share one read,
 * so a reconnect storm costs a couple of broker reads per topic and range instead of one per client.
 *
 * <p>A client may only share a read sent after it joined the topic's live stream: a read sent earlier can miss what
 * was published between that read and the client's subscription, which the client did not get live either. So per
 * topic and range at most one read is in flight, and the clients that arrive meanwhile wait together for the next
 * one, sent as soon as the first completes. Clients pass a {@link #ticket()} taken once subscribed; a read numbered
 * above it was sent after. Thread-safe; the futures complete on the source's threads.
 */
final class HistoryReads {
    private final MessageSource source;
    private final ServerMetrics metrics;
    private final Map<Key, Slot> slots = new ConcurrentHashMap<>();
    /** Orders subscriptions and reads: a read numbered above a client's ticket was sent after it subscribed. */
    private final AtomicLong clock = new AtomicLong();

    HistoryReads(MessageSource source, ServerMetrics metrics) {
        this.source = source;
        this.metrics = metrics;
    }

    /** A number every read sent from now on is above: take it once subscribed, before reading. */
    long ticket() {
        return clock.get();
    }

    /** Reads, or joins the identical read in flight, whatever its age (for gap repair, which checks what it got). */
    CompletableFuture<Replay> read(String topic, HistoryQuery query) {
        return read(topic, query, Long.MIN_VALUE);
    }

    /** Reads, joining the identical read in flight when it was sent after {@code ticket}, else the next one. */
    CompletableFuture<Replay> read(String topic, HistoryQuery query, long ticket) {
        Key key = new Key(topic, query);
        InFlight[] toSend = new InFlight[1];
        InFlight[] joined = new InFlight[1];
        boolean[] shared = new boolean[1];
        slots.compute(key, (k, slot) -> {
            if (slot == null) {
                Slot fresh = new Slot();
                fresh.current = new InFlight(clock.incrementAndGet());
                toSend[0] = fresh.current;
                joined[0] = fresh.current;
                return fresh;
            }
            if (slot.current.sent > ticket) {
                shared[0] = true;
                joined[0] = slot.current;
            } else {
                shared[0] = slot.next != null;
                if (slot.next == null) {
                    slot.next = new InFlight(0); // numbered when it is sent, after every client waiting for it
                }
                joined[0] = slot.next;
            }
            return slot;
        });
        if (shared[0]) {
            metrics.historyReadsShared.increment();
        }
        if (toSend[0] != null) {
            send(key, toSend[0]);
        }
        return joined[0].result;
    }

    private void send(Key key, InFlight read) {
        metrics.historyReads.increment();
        CompletableFuture<HistoryRead> reply;
        try {
            reply = source.readHistory(key.topic, key.query);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, error) -> {
            InFlight[] next = new InFlight[1];
            slots.compute(key, (k, slot) -> {
                if (slot == null || slot.current != read) {
                    return slot;
                }
                if (slot.next == null) {
                    return null;
                }
                slot.current = slot.next;
                slot.next = null;
                slot.current.sent = clock.incrementAndGet();
                next[0] = slot.current;
                return slot;
            });
            if (error != null) {
                read.result.completeExceptionally(error);
            } else {
                read.result.complete(new Replay(r));
            }
            if (next[0] != null) {
                send(key, next[0]);
            }
        });
    }

    private record Key(String topic, HistoryQuery query) {
    }

    /** The read in flight for one topic and range, and the one the clients that came since wait for. */
    private static final class Slot {
        InFlight current;
        InFlight next;
    }

    /** One read, numbered by {@link #clock} when it is sent. */
    private static final class InFlight {
        final CompletableFuture<Replay> result = new CompletableFuture<>();
        volatile long sent;

        InFlight(long sent) {
            this.sent = sent;
        }
    }
}
