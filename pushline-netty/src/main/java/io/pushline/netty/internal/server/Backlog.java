package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.ServerLimits;
import java.util.concurrent.TimeUnit;

/**
 * The outbound limits of one client that fell behind at least once, like Redis's {@code client-output-buffer-limit}
 * and NATS's write deadline: a client over the soft limit (its channel not writable) gets everything queued, up to
 * the hard limit, for the soft limit's duration; past either it is a slow consumer. Made when the client first falls
 * behind, so that a client that never does pays nothing. Only used on the client's event loop; time is the loop's
 * {@link io.netty.util.concurrent.Ticker}.
 */
final class Backlog {
    private final NettyClient client;
    private final Channel channel;
    private final ServerLimits limits;
    private final boolean softLimited;
    /** Over the soft limit since {@link #since}. */
    private boolean behind;
    private long since;
    /** A check of the soft limit's deadline is scheduled. */
    private boolean deadlinePending;

    Backlog(NettyClient client) {
        this.client = client;
        this.channel = client.channel();
        this.limits = client.server().config().limits();
        this.softLimited = limits.softQueuedBytes() < limits.maxQueuedBytes();
    }

    /** The channel went over the soft limit (not writable): the client is behind from now. */
    void fellBehind() {
        if (behind) {
            return;
        }
        behind = true;
        since = channel.eventLoop().ticker().nanoTime();
        if (softLimited && !deadlinePending && client.server().config().slowConsumerPolicy()
                == SlowConsumerPolicy.DISCONNECT) {
            scheduleDeadline(limits.softQueuedDuration().toNanos());
        }
    }

    /** The channel drained to half the soft limit (writable again): the next time it falls behind starts afresh. */
    void caughtUp() {
        behind = false;
    }

    /** While the channel is not writable: whether the client is over the hard limit, or behind for too long. */
    boolean overLimit() {
        if (!softLimited || overHardLimit(client)) {
            return true;
        }
        fellBehind(); // in case the writability event has not reached the pipeline yet
        return channel.eventLoop().ticker().nanoTime() - since >= limits.softQueuedDuration().toNanos();
    }

    /**
     * Under DISCONNECT, checks the soft limit's deadline even when nothing more is queued for the client (it stopped
     * reading and sends commands, or the publisher paused): one check scheduled per client at most.
     */
    private void scheduleDeadline(long delayNanos) {
        deadlinePending = true;
        channel.eventLoop().schedule(() -> {
            deadlinePending = false;
            if (!behind || !channel.isActive() || channel.isWritable()) {
                return;
            }
            long left = since + limits.softQueuedDuration().toNanos() - channel.eventLoop().ticker().nanoTime();
            if (left > 0) {
                scheduleDeadline(left); // it caught up since, and fell behind again later
            } else {
                client.slowConsumer("behind for longer than the soft limit allows");
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Whether the client's outbound buffer holds at least its hard limit's worth of bytes (any thread). */
    static boolean overHardLimit(NettyClient client) {
        ChannelOutboundBuffer out = client.channel().unsafe().outboundBuffer();
        return out == null || out.totalPendingWriteBytes() >= client.server().config().maxQueuedBytes();
    }

    /** The bytes waiting in the channel's outbound buffer, each write counted with Netty's fixed overhead. */
    static long queuedBytes(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
