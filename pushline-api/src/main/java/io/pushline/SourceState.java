package io.pushline;

/**
 * The health of a {@link MessageSource}'s connection to its broker.
 */
public enum SourceState {
    /** Connected: subscriptions are live and messages flow. */
    UP,
    /** Disconnected: the source is reconnecting by itself; messages published meanwhile may never arrive. */
    DOWN,
    /**
     * Connected again after being {@link #DOWN}, and every subscription that still has interest is confirmed by
     * the broker again: messages flow as before. Reported after the {@link #UP} of a reconnection, by sources
     * that can tell.
     */
    RESUBSCRIBED;

    /**
     * Tells whether the source is connected.
     *
     * @return {@code true} for {@link #UP} and {@link #RESUBSCRIBED}
     */
    public boolean isUp() {
        return this != DOWN;
    }
}
