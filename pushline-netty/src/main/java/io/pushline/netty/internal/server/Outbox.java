package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.PushListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The deliveries waiting for one event loop. The source thread offers a shared frame and the loop's subscribers;
 * one task on the loop drains everything queued, writes each frame to each subscriber as a retained duplicate and
 * flushes each touched channel once per batch.
 *
 * <p>When the loop is behind, consecutive topic deliveries to the same subscriber snapshot (a broadcast burst) are
 * first copied into one buffer, once, and each subscriber gets one retained duplicate of that: one write per
 * client per run of messages instead of one per message. Per-client cost is what limits fan-out, so a loop that
 * falls behind catches up instead of falling further behind.
 */
final class Outbox implements Runnable {
    /** Deliveries per task before yielding the loop to I/O; the rest run in the next task. */
    static final int MAX_BATCH = 256;
    /**
     * The most frame bytes waiting for one event loop. Past it the loop is behind the source (it cannot write as
     * fast as the broker delivers) and new messages are shed for its clients instead of queued without limit.
     */
    static final long MAX_PENDING_BYTES = 32L * 1024 * 1024;
    /** The most bytes of frames joined into one buffer for one write per client. */
    static final int MAX_JOINED_BYTES = 64 * 1024;

    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final ServerMetrics metrics;
    /** Many producers (source threads), one consumer (the loop). */
    private final Queue<Delivery> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final PushListener listener;
    /** Only touched on the loop. */
    private final List<NettyClient> toFlush = new ArrayList<>();
    /** Only touched on the loop: the run of deliveries being joined. */
    private final List<Delivery> run = new ArrayList<>();
    /** Only touched on the loop: pushes and bytes written in the current task, for the metrics. */
    private long pushes;
    private long bytes;
    /** Only touched on the loop: the messages of {@link #run}. */
    private final List<Message> runMessages = new ArrayList<>();

    Outbox(EventLoop loop, ByteBufAllocator alloc, ServerMetrics metrics, PushListener listener) {
        this.loop = loop;
        this.alloc = alloc;
        this.listener = listener;
        this.metrics = metrics;
    }

    /** Takes ownership of {@code frame} (one reference). */
    void offer(ByteBuf frame, Message message, String pattern, List<NettyClient> clients) {
        int size = frame.readableBytes();
        if (pendingBytes.addAndGet(size) > MAX_PENDING_BYTES) {
            pendingBytes.addAndGet(-size);
            frame.release();
            metrics.dropped(DropReason.SERVER_OVERLOADED);
            listener.messageDropped(message, DropReason.SERVER_OVERLOADED);
            return;
        }
        queue.add(new Delivery(frame, message, pattern, clients));
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down: nobody will deliver these, so release them here
                discardAll();
            }
        }
    }

    @Override
    public void run() {
        scheduled.set(false);
        pushes = 0;
        bytes = 0;
        try {
            int n = 0;
            Delivery d;
            while (n < MAX_BATCH && (d = queue.poll()) != null) {
                n++;
                if (d.pattern == null && joinable(d, queue.peek())) {
                    n += deliverRun(d, MAX_BATCH - n);
                } else {
                    deliver(d);
                }
            }
        } finally {
            metrics.messagesDelivered.add(pushes);
            metrics.bytesDelivered.add(bytes);
            for (NettyClient client : toFlush) {
                client.flushIfPending();
            }
            toFlush.clear();
        }
        if (!queue.isEmpty()) {
            schedule();
        }
    }

    /** Whether {@code next} goes to exactly the same clients as {@code first} (the same registry snapshot). */
    private static boolean joinable(Delivery first, Delivery next) {
        return next != null && next.pattern == null && next.clients == first.clients;
    }

    private void deliver(Delivery d) {
        try {
            int written = 0;
            for (NettyClient client : d.clients) {
                if (client.push(d.frame, d.message, d.pattern, toFlush)) {
                    written++;
                }
            }
            pushes += written;
            bytes += (long) written * d.frame.readableBytes();
        } finally {
            pendingBytes.addAndGet(-d.frame.readableBytes());
            d.frame.release();
        }
    }

    /**
     * Joins {@code first} and the queued deliveries to the same snapshot that follow it (at most {@code room} more,
     * {@link #MAX_JOINED_BYTES} in all) into one buffer, and writes that to each client once. Returns how many
     * deliveries it took from the queue besides {@code first}.
     */
    private int deliverRun(Delivery first, int room) {
        run.add(first);
        int length = first.frame.readableBytes();
        Delivery next;
        while (run.size() <= room && joinable(first, next = queue.peek())
                && length + next.frame.readableBytes() <= MAX_JOINED_BYTES) {
            run.add(queue.poll());
            length += next.frame.readableBytes();
        }
        ByteBuf joined = null;
        try {
            joined = alloc.directBuffer(length);
            for (Delivery d : run) {
                joined.writeBytes(d.frame, d.frame.readerIndex(), d.frame.readableBytes());
                runMessages.add(d.message);
            }
            int written = 0;
            for (NettyClient client : first.clients) {
                if (client.writesOneByOne()) {
                    // one publish may also reach it through a pattern, or its topic is held: each message on its own
                    for (Delivery d : run) {
                        if (client.push(d.frame, d.message, null, toFlush)) {
                            pushes++;
                            bytes += d.frame.readableBytes();
                        }
                    }
                } else if (client.pushAll(joined, runMessages, toFlush)) {
                    written++;
                }
            }
            pushes += (long) written * run.size();
            bytes += (long) written * length;
            return run.size() - 1;
        } finally {
            if (joined != null) {
                joined.release();
            }
            pendingBytes.addAndGet(-length);
            for (Delivery d : run) {
                d.frame.release();
            }
            run.clear();
            runMessages.clear();
        }
    }

    private void discardAll() {
        scheduled.set(false);
        Delivery d;
        while ((d = queue.poll()) != null) {
            pendingBytes.addAndGet(-d.frame.readableBytes());
            d.frame.release();
        }
    }

    /** {@code pattern} is the matching pattern for a pattern delivery, null for a topic delivery. */
    private record Delivery(ByteBuf frame, Message message, String pattern, List<NettyClient> clients) {
    }
}
