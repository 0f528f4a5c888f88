package io.pushline;

/**
 * The health of a {@link MessageSource}'s connection to its broker. A state lasts; what happens once (the
 * subscriptions were restored after a reconnection) is an event: {@link MessageListener#onResubscribed()}.
 */
public enum SourceState {
    /** Connected: subscriptions are live and messages flow. */
    UP,
    /**
     * Partly connected: the source reaches some of its broker and not the rest (a cluster with an unreachable
     * shard, say). Topics served by the reachable part flow; the others wait, and the source reconnects by itself.
     */
    DEGRADED,
    /**
     * Disconnected, or connected to a broker that does not answer: the source reconnects by itself; messages
     * published meanwhile may never arrive (unless the source keeps history).
     */
    DOWN;

    /**
     * Tells whether messages flow, at least in part.
     *
     * @return {@code true} for {@link #UP} and {@link #DEGRADED}
     */
    public boolean isUp() {
        return this != DOWN;
    }
}
