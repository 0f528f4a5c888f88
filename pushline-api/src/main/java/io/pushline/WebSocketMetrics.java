package io.pushline;

/**
 * A server's WebSocket counters since it started; part of {@link PushMetrics}, whose totals include them. Counters
 * only grow. Immutable.
 *
 * @param connections WebSocket connections open now (upgraded)
 * @param connectionsOpened WebSocket connections upgraded and admitted
 * @param handshakesRefused upgrade requests refused: an origin not allowed, a bad request, a method other than
 *     {@code GET}, or no upgrade within the handshake deadline
 * @param messagesDelivered pushes written to WebSocket clients
 * @param bytesDelivered bytes of those pushes, WebSocket framing included
 */
public record WebSocketMetrics(
        int connections,
        long connectionsOpened,
        long handshakesRefused,
        long messagesDelivered,
        long bytesDelivered) {
    /** No WebSocket traffic: a server without a WebSocket port, or before its first connection. */
    public static final WebSocketMetrics NONE = new WebSocketMetrics(0, 0, 0, 0, 0);
}
