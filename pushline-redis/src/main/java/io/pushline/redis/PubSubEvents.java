package io.pushline.redis;

import io.pushline.Message;

/** What a {@link PubSubConnection} reports; called on its I/O thread, never concurrently. */
interface PubSubEvents {
    void message(String pattern, Message message);

    /** A message on a channel whose name is not a valid topic; {@code channel} may hold U+FFFD for bad bytes. */
    void invalidChannel(String channel, String problem);

    /** Connected (and authenticated); {@code reconnect} is false for the first connection. */
    void up(boolean reconnect);

    /** Redis answered after re-subscribing everything on a new connection. */
    void resubscribed();

    void down();

    /** A connection attempt failed before the connection was ready (refused, timed out, credentials). */
    default void unreachable(String why) {
    }

    /** Redis sent nothing for {@link LagProbe#STALL_NANOS} although a PING is outstanding. */
    void stalled();

    /** Redis answers again after {@link #stalled()}, on the same connection (nothing was lost). */
    void responsive();

    /** {@code count} messages were skipped, undecoded, to catch up with Redis. */
    void shed(long count);
}
