package io.pushline;

/**
 * The health of a {@link MessageSource}'s connection to its broker.
 */
public enum SourceState {
    /** Connected: subscriptions are live and messages flow. */
    UP,
    /** Disconnected: the source is reconnecting by itself; messages published meanwhile may never arrive. */
    DOWN
}
