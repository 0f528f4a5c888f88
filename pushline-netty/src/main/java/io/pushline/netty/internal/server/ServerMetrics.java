package io.pushline.netty.internal.server;

import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.HistoryMetrics;
import io.pushline.ResumeOutcome;
import io.pushline.PushMetrics;
import io.pushline.SourceState;
import io.pushline.WebSocketMetrics;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters: striped adders, so that event loops and the source thread count without contention.
 * Pushes are counted once per batch by the {@link Outbox}, not once per write.
 */
final class ServerMetrics {
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder messagesDelivered = new LongAdder();
    final LongAdder bytesDelivered = new LongAdder();
    final LongAdder framesReceived = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder slowConsumers = new LongAdder();
    final LongAdder historyReads = new LongAdder();
    final LongAdder historyReadsShared = new LongAdder();
    final LongAdder replayedMessages = new LongAdder();
    final LongAdder gapsRepaired = new LongAdder();
    final LongAdder messagesRepaired = new LongAdder();
    final LongAdder topicsLost = new LongAdder();
    /** Open WebSocket connections (upgraded and registered); the fan-out encodes for WebSocket only while any are. */
    final AtomicInteger webSocketConnections = new AtomicInteger();
    final LongAdder webSocketOpened = new LongAdder();
    final LongAdder webSocketRefused = new LongAdder();
    final LongAdder webSocketMessages = new LongAdder();
    final LongAdder webSocketBytes = new LongAdder();
    private final Map<ResumeOutcome, LongAdder> resumes = new EnumMap<>(ResumeOutcome.class);
    private final Map<CloseReason, LongAdder> closed = new EnumMap<>(CloseReason.class);
    private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);
    private final Object sourceLock = new Object();
    private long sourceDownEvents;
    private long downSinceNanos = -1;
    private long downtimeNanos;

    ServerMetrics() {
        for (CloseReason r : CloseReason.values()) {
            closed.put(r, new LongAdder());
        }
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new LongAdder());
        }
        for (ResumeOutcome r : ResumeOutcome.values()) {
            resumes.put(r, new LongAdder());
        }
    }

    void resumed(ResumeOutcome outcome) {
        resumes.get(outcome).increment();
    }

    void closed(CloseReason reason) {
        closed.get(reason).increment();
    }

    void dropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    void dropped(DropReason reason, long count) {
        dropped.get(reason).add(count);
    }

    long droppedCount(DropReason reason) {
        return dropped.get(reason).sum();
    }

    void sourceState(SourceState state) {
        synchronized (sourceLock) {
            if (state == SourceState.DOWN && downSinceNanos < 0) {
                sourceDownEvents++;
                downSinceNanos = System.nanoTime();
            } else if (state != SourceState.DOWN && downSinceNanos >= 0) {
                downtimeNanos += System.nanoTime() - downSinceNanos;
                downSinceNanos = -1;
            }
        }
    }

    PushMetrics snapshot(int connections, int topics, int patterns, SourceState sourceState) {
        Map<CloseReason, Long> closedNow = new EnumMap<>(CloseReason.class);
        closed.forEach((r, n) -> closedNow.put(r, n.sum()));
        Map<DropReason, Long> droppedNow = new EnumMap<>(DropReason.class);
        dropped.forEach((r, n) -> droppedNow.put(r, n.sum()));
        long downEvents;
        long downtime;
        synchronized (sourceLock) {
            downEvents = sourceDownEvents;
            downtime = downtimeNanos + (downSinceNanos >= 0 ? System.nanoTime() - downSinceNanos : 0);
        }
        return new PushMetrics(connections, connectionsOpened.sum(), connectionsRefused.sum(), closedNow, topics,
                patterns, messagesReceived.sum(), messagesDelivered.sum(), bytesDelivered.sum(),
                framesReceived.sum(), bytesReceived.sum(), droppedNow, slowConsumers.sum(), sourceState, downEvents,
                Duration.ofNanos(downtime), history(), new WebSocketMetrics(webSocketConnections.get(),
                webSocketOpened.sum(), webSocketRefused.sum(), webSocketMessages.sum(), webSocketBytes.sum()));
    }

    private HistoryMetrics history() {
        Map<ResumeOutcome, Long> resumesNow = new EnumMap<>(ResumeOutcome.class);
        resumes.forEach((r, n) -> resumesNow.put(r, n.sum()));
        return new HistoryMetrics(historyReads.sum(), historyReadsShared.sum(), resumesNow, replayedMessages.sum(),
                gapsRepaired.sum(), messagesRepaired.sum(), topicsLost.sum());
    }
}
