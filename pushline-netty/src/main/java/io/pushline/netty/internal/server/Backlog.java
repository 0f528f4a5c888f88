package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.ServerLimits;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound limits of one client that fell behind at least once, like Redis's {@code client-output-buffer-limit}
 * and NATS's write deadline: a client over the soft limit (its channel not writable) gets everything queued, up to
 * the hard limit, for the soft limit's duration; past either it is a slow consumer. Made when the client first falls
 * behind, so that a client that never does pays nothing. Only used on the client's event loop; time is the loop's
 * {@link io.netty.util.concurrent.Ticker}.
 *
 * <p>Past its limits a client's pushes are dropped under DROP; under DISCONNECT it is cut, unless most clients of
 * its loop are behind too ({@link LoopLoad}) and a soft limit is set: then its pushes are dropped as under DROP until
 * it has drained to half the soft limit (even if the others drain first), and it is cut only if it stays behind for
 * the soft limit's duration.
 */
final class Backlog {
    private static final Logger LOG = LoggerFactory.getLogger(Backlog.class);
    private final NettyClient client;
    private final Channel channel;
    private final ServerLimits limits;
    private final boolean softLimited;
    /** Over the soft limit since {@link #since}. */
    private boolean behind;
    private long since;
    /** A check of the soft limit's deadline is scheduled. */
    private boolean deadlinePending;
    /** The connection closed: nothing counts any more. */
    private boolean closed;
    /** The last push was dropped (a run of drops counts one slow-consumer event); reset by a write. */
    boolean dropping;
    /**
     * It went past its limits while most of the loop was behind, and has not caught up since: it drops what does not
     * fit until it does (or until the soft limit's duration is over), even when the others catch up first.
     */
    private boolean spared;
    /** The loop's count of clients behind, this one among them while {@link #behind}. */
    private final LoopLoad load;

    Backlog(NettyClient client) {
        this.client = client;
        this.channel = client.channel();
        this.limits = client.server().config().limits();
        this.softLimited = limits.softQueuedBytes() < limits.maxQueuedBytes();
        this.load = client.load();
    }

    /** The channel went over the soft limit (not writable): the client is behind from now. */
    void fellBehind() {
        if (behind || closed) {
            return;
        }
        behind = true;
        load.fellBehind();
        since = channel.eventLoop().ticker().nanoTime();
        if (softLimited && !deadlinePending && client.server().config().slowConsumerPolicy()
                == SlowConsumerPolicy.DISCONNECT) {
            scheduleDeadline(limits.softQueuedDuration().toNanos());
        }
    }

    /** The channel drained to half the soft limit (writable again): the next time it falls behind starts afresh. */
    void caughtUp() {
        spared = false;
        if (behind) {
            behind = false;
            load.caughtUp();
        }
    }

    /** The connection closed; returns whether it was counted behind (the caller uncounts it). */
    boolean closed() {
        closed = true;
        boolean was = behind;
        behind = false;
        return was;
    }

    /**
     * Past the limits with {@code messages} to queue: drops them, under DROP or while most of the loop's clients are
     * behind, else disconnects the client as a slow consumer.
     */
    void overflow(List<Message> messages) {
        SlowConsumerPolicy policy = client.server().config().slowConsumerPolicy();
        DropReason reason;
        if (policy == SlowConsumerPolicy.DROP) {
            reason = DropReason.SLOW_CONSUMER;
        } else if (softLimited && (spared || load.mostlyBehind())) { // with no soft limit, no deadline: strict
            spared = true;
            reason = DropReason.SERVER_OVERLOADED;
        } else {
            client.slowConsumer("pushes waiting");
            return;
        }
        client.dropped(messages.size(), reason);
        PushListener listener = client.server().listener();
        if (!dropping) {
            dropping = true;
            LOG.debug("{}: outbound buffer full, dropping until it drains ({})", client, reason);
            client.server().metrics().slowConsumers.increment();
            listener.slowConsumer(client, SlowConsumerPolicy.DROP);
        }
        if (!SafeListener.isSilent(listener)) {
            for (Message message : messages) {
                listener.messageDropped(message, reason);
            }
        }
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
