package io.pushline.netty.internal.server;

import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.MessageSource;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's history reads, shared: while a read of a topic and range is in flight, every other client (or gap
 * repair) asking for the same one waits for it instead of sending its own, so a reconnect storm costs about one
 * read per topic and range and batch of arrivals.
 *
 * <p>A client may only share a read that was sent after it joined the topic's live stream: a read sent earlier
 * can miss what was published between that read and the client's subscription, which the client did not get live
 * either. Clients take a {@link #ticket()} once subscribed and pass it to {@link #read(String, HistoryQuery, long)};
 * a read in flight that is older than the ticket is not shared, and a new one takes its place. Thread-safe; the
 * futures complete on the source's threads.
 */
final class HistoryReads {
    private final MessageSource source;
    private final ServerMetrics metrics;
    private final Map<Key, InFlight> inFlight = new ConcurrentHashMap<>();
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

    /** Reads, or joins the identical read in flight when it was sent after {@code ticket}. */
    CompletableFuture<Replay> read(String topic, HistoryQuery query, long ticket) {
        Key key = new Key(topic, query);
        InFlight mine = new InFlight();
        InFlight[] shared = new InFlight[1];
        inFlight.compute(key, (k, running) -> {
            if (running != null && running.sent > ticket) {
                shared[0] = running;
                return running;
            }
            mine.sent = clock.incrementAndGet(); // before the read is sent: joiners with an older ticket are safe
            return mine;
        });
        if (shared[0] != null) {
            metrics.historyReadsShared.increment();
            return shared[0].result;
        }
        metrics.historyReads.increment();
        CompletableFuture<HistoryRead> read;
        try {
            read = source.readHistory(topic, query);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((r, error) -> {
            inFlight.remove(key, mine);
            if (error != null) {
                mine.result.completeExceptionally(error);
            } else {
                mine.result.complete(new Replay(r));
            }
        });
        return mine.result;
    }

    private record Key(String topic, HistoryQuery query) {
    }

    /** A read sent to the source, numbered by {@link #clock} when sent. */
    private static final class InFlight {
        final CompletableFuture<Replay> result = new CompletableFuture<>();
        volatile long sent;
    }
}
