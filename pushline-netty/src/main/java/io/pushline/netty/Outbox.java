package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.PushListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The deliveries waiting for one event loop. The source thread offers a shared frame and the loop's subscribers;
 * one task on the loop drains everything queued, writes each frame to each subscriber as a retained duplicate and
 * flushes each touched channel once per batch.
 */
final class Outbox implements Runnable {
    /** Deliveries per task before yielding the loop to I/O; the rest run in the next task. */
    static final int MAX_BATCH = 256;
    /**
     * The most frame bytes waiting for one event loop. Past it the loop is behind the source (it cannot write as
     * fast as the broker delivers) and new messages are shed for its clients instead of queued without limit.
     */
    static final long MAX_PENDING_BYTES = 32L * 1024 * 1024;

    private final EventLoop loop;
    private final ServerMetrics metrics;
    private final Queue<Delivery> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final PushListener listener;
    /** Only touched on the loop. */
    private final List<NettyClient> toFlush = new ArrayList<>();

    Outbox(EventLoop loop, ServerMetrics metrics, PushListener listener) {
        this.loop = loop;
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
        long pushes = 0;
        long bytes = 0;
        try {
            Delivery d;
            int n = 0;
            while (n < MAX_BATCH && (d = queue.poll()) != null) {
                n++;
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
