package io.pushline.netty.internal.server;

import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.MessageSource;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's history reads, shared: while a read of a topic and range is in flight, every other client (or gap
 * repair) asking for the same one waits for it instead of sending its own, so a reconnect storm costs one read per
 * topic and range. Thread-safe; the futures complete on the source's threads.
 */
final class HistoryReads {
    private final MessageSource source;
    private final ServerMetrics metrics;
    private final Map<Key, CompletableFuture<Replay>> inFlight = new ConcurrentHashMap<>();

    HistoryReads(MessageSource source, ServerMetrics metrics) {
        this.source = source;
        this.metrics = metrics;
    }

    /** Reads, or joins the identical read in flight. */
    CompletableFuture<Replay> read(String topic, HistoryQuery query) {
        Key key = new Key(topic, query);
        CompletableFuture<Replay> mine = new CompletableFuture<>();
        CompletableFuture<Replay> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            metrics.historyReadsShared.increment();
            return running;
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
                mine.completeExceptionally(error);
            } else {
                mine.complete(new Replay(r));
            }
        });
        return mine;
    }

    private record Key(String topic, HistoryQuery query) {
    }
}
