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
    SLOW_CONSUMER
}
