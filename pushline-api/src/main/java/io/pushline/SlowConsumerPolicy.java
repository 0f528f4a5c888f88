package io.pushline;

/**
 * What a server does with a client whose outbound buffer is full (it reads slower than messages arrive).
 */
public enum SlowConsumerPolicy {
    /**
     * Close the connection (the default): the client reconnects and starts afresh (or resumes from its position on
     * topics with history). A server may keep a connection past its limits when most of its connections are behind
     * at once (the source outruns them all) and drop its messages instead, as under {@link #DROP}, rather than make
     * them all reconnect together; a connection that stops reading is still closed.
     */
    DISCONNECT,
    /** Keep the connection and drop the messages that do not fit, counting them. */
    DROP
}
