package io.pushline;

import java.time.Duration;
import java.util.Map;

/**
 * A snapshot of a server's counters and gauges since it started. Counters only grow. Immutable.
 *
 * @param connections connections open now
 * @param connectionsOpened connections accepted and admitted
 * @param connectionsRefused connections refused over the connection limits
 * @param connectionsClosed connections that ended, by reason (every reason present, zero or more); those that
 *     never completed their TLS handshake count under {@link CloseReason#TLS_HANDSHAKE} without having been opened
 * @param topics topics with at least one subscriber now (each subscribed once at the broker)
 * @param patterns patterns with at least one subscriber now
 * @param messagesReceived messages the source delivered to the server
 * @param messagesDelivered pushes written to clients (one message to ten clients counts ten)
 * @param bytesDelivered bytes of those pushes, framing included
 * @param framesReceived non-empty frames clients sent
 * @param bytesReceived payload bytes of those frames
 * @param messagesDropped messages not delivered, by reason (every reason present): per message for
 *     {@link DropReason#NOT_FRAMEABLE} and {@link DropReason#TOO_LONG}, per client for
 *     {@link DropReason#SLOW_CONSUMER}
 * @param slowConsumers times a client's outbound buffer was full when a push was due and a policy was applied
 *     (disconnects, and the start of each run of drops)
 * @param sourceState the source's state now
 * @param sourceDownEvents times the source went {@link SourceState#DOWN}
 * @param sourceDowntime total time the source was down (including now, if it is down); messages published to
 *     the broker meanwhile reached this server only on topics with history (repaired from it)
 * @param history reads, resumes and gap repairs on topics with history
 * @param webSocket the WebSocket share of the connections and pushes ({@link WebSocketMetrics#NONE} without a
 *     WebSocket port)
 */
public record PushMetrics(
        int connections,
        long connectionsOpened,
        long connectionsRefused,
        Map<CloseReason, Long> connectionsClosed,
        int topics,
        int patterns,
        long messagesReceived,
        long messagesDelivered,
        long bytesDelivered,
        long framesReceived,
        long bytesReceived,
        Map<DropReason, Long> messagesDropped,
        long slowConsumers,
        SourceState sourceState,
        long sourceDownEvents,
        Duration sourceDowntime,
        HistoryMetrics history,
        WebSocketMetrics webSocket) {
    /**
     * Creates a snapshot, copying the maps.
     *
     * @param connections connections open now
     * @param connectionsOpened connections admitted
     * @param connectionsRefused connections refused
     * @param connectionsClosed closed connections by reason
     * @param topics topics with subscribers
     * @param patterns patterns with subscribers
     * @param messagesReceived messages from the source
     * @param messagesDelivered pushes written
     * @param bytesDelivered bytes pushed
     * @param framesReceived frames from clients
     * @param bytesReceived bytes from clients
     * @param messagesDropped drops by reason
     * @param slowConsumers slow-consumer events
     * @param sourceState source state
     * @param sourceDownEvents source down events
     * @param sourceDowntime total source downtime
     * @param history history counters
     * @param webSocket WebSocket counters
     */
    public PushMetrics {
        connectionsClosed = Map.copyOf(connectionsClosed);
        messagesDropped = Map.copyOf(messagesDropped);
    }

    /**
     * Returns the connections closed for any reason.
     *
     * @return the sum of {@link #connectionsClosed()}
     */
    public long connectionsClosedTotal() {
        return connectionsClosed.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Returns the messages dropped for any reason.
     *
     * @return the sum of {@link #messagesDropped()}
     */
    public long messagesDroppedTotal() {
        return messagesDropped.values().stream().mapToLong(Long::longValue).sum();
    }
}
