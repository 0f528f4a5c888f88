package io.pushline;

/**
 * What a server does with a client whose outbound buffer is full (it reads slower than messages arrive).
 */
public enum SlowConsumerPolicy {
    /** Close the connection (the default): the client reconnects and starts afresh. */
    DISCONNECT,
    /** Keep the connection and drop the messages that do not fit, counting them. */
    DROP
}
