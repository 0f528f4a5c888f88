package io.pushline;

/**
 * Why a message was not delivered to a client.
 */
public enum DropReason {
    /** Line framing cannot carry a payload that contains {@code \r} or {@code \n}. */
    NOT_FRAMEABLE,
    /** The payload is longer than the framing's maximum frame length. */
    TOO_LONG,
    /** The client's outbound buffer was full and the policy is {@link SlowConsumerPolicy#DROP}. */
    SLOW_CONSUMER,
    /**
     * The server's I/O threads were behind the source by more than their bound (they cannot write as fast as the
     * broker delivers): the message was shed for the clients of one I/O thread rather than queued without limit.
     * Also counted here: messages a source skipped because it fell too far behind its broker
     * ({@link MessageListener#onMessagesDropped(DropReason, long)}), and, under {@link SlowConsumerPolicy#DISCONNECT},
     * messages dropped for a client past its outbound limits while most clients of its I/O thread were behind too
     * (the source outran them all, so they were kept rather than all disconnected).
     */
    SERVER_OVERLOADED,
    /**
     * The broker delivered a message on a channel that is not a valid topic (its name is not UTF-8, holds a space
     * or a control character, is too long, or is {@link Topics#isReserved reserved}), through a pattern: it is
     * counted and never passed on, so no client sees a mangled or forged topic.
     */
    INVALID_TOPIC
}
