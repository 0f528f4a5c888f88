package io.pushline;

/**
 * Why a client connection ended.
 */
public enum CloseReason {
    /** The client closed it (or the network dropped it). */
    CLIENT,
    /** The TLS handshake failed (plain TCP on a TLS port, an untrusted or expired certificate, ...). */
    TLS_HANDSHAKE,
    /** The client sent {@code QUIT}. */
    QUIT,
    /** The client's outbound buffer was full and the policy is {@link SlowConsumerPolicy#DISCONNECT}. */
    SLOW_CONSUMER,
    /** The client sent a frame longer than the limit, or a malformed one. */
    BAD_FRAME,
    /** The client sent nothing for the idle timeout. */
    IDLE_TIMEOUT,
    /** The client failed to authenticate, or sent a command before {@code AUTH}. */
    UNAUTHORIZED,
    /** The client's {@link Authentication} expired and it did not authenticate again in time. */
    AUTH_EXPIRED,
    /** The client pipelined too many commands without reading the replies. */
    TOO_MANY_PENDING,
    /** The client sent frames faster than the inbound rate limit and the policy is to disconnect. */
    RATE_LIMITED,
    /** The host application disconnected it ({@link Client#disconnect(String)}). */
    DISCONNECTED,
    /** The server is shutting down. */
    SERVER_SHUTDOWN,
    /** An unexpected error (an I/O error, or a hook that threw). */
    ERROR
}
