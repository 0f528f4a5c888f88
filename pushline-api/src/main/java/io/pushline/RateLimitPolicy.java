package io.pushline;

/**
 * What a server does when a client sends frames faster than its inbound rate limit.
 */
public enum RateLimitPolicy {
    /** Stop reading from the client until it is back under the limit: TCP pushes back on the sender. */
    THROTTLE,
    /** Send {@code -ERR rate limit exceeded} and close the connection. */
    DISCONNECT
}
