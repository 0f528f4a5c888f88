package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.PushListener;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.WebSocketFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The deliveries waiting for one event loop. The source thread offers a shared frame and the loop's subscribers;
 * one task on the loop drains everything queued, writes each frame to each subscriber as a retained duplicate and
 * flushes each touched channel once per batch.
 *
 * <p>When the loop is behind, consecutive topic deliveries to the same subscriber snapshot (a broadcast burst) are
 * first copied into one buffer, once, and each subscriber gets one retained duplicate of that: one write per
 * client per run of messages instead of one per message. Per-client cost is what limits fan-out, so a loop that
 * falls behind catches up instead of falling further behind.
 *
 * <p>A loop that is busy lingers: when messages arrived while a pass was writing (the loop could not keep its
 * queue empty), the next pass waits as long as that pass took, at most {@link #MAX_LINGER_NANOS}, so that more
 * messages join each client's write: fewer, larger writes, and fewer reads for the clients. A pass that finds its
 * queue empty at the end lingers nothing: the next message is written at once. A pass cut short by
 * {@link #MAX_BATCH} does not linger either (a full batch is waiting already).
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
    /**
     * The longest a busy loop waits before its next pass. A wait is never longer than the pass before it, so it at
     * most doubles the time a message spends queued; 2 ms made no measurable difference where a pass over 500
     * clients takes about 10 ms (BENCHMARKS.md, "Slow readers").
     */
    static final long MAX_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final ServerMetrics metrics;
    /** {@link System#nanoTime()}, or a test's clock. */
    private final LongSupplier clock;
    /** Many producers (source threads), one consumer (the loop). */
    private final Queue<Delivery> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final PushListener listener;
    /** Whether pushes are {@code commands} pushes (with a header) or {@code raw} payloads. */
    private final boolean commands;
    /** Only touched on the loop. */
    private final List<NettyClient> toFlush = new ArrayList<>();
    /** Only touched on the loop: the run of deliveries being joined. */
    private final List<Delivery> run = new ArrayList<>();
    /** Only touched on the loop: pushes and bytes written in the current task, for the metrics. */
    private long pushes;
    private long bytes;
    private long wsPushes;
    private long wsBytes;
    /** Only touched on the loop: the messages of {@link #run}. */
    private final List<Message> runMessages = new ArrayList<>();
    /** Only touched on the loop: how many of its clients are behind. */
    final LoopLoad load;

    Outbox(String name, EventLoop loop, ByteBufAllocator alloc, ServerMetrics metrics, PushListener listener,
            boolean commands) {
        this(name, loop, alloc, metrics, listener, commands, System::nanoTime);
    }

    Outbox(String name, EventLoop loop, ByteBufAllocator alloc, ServerMetrics metrics, PushListener listener,
            boolean commands, LongSupplier clock) {
        this.loop = loop;
        this.clock = clock;
        this.commands = commands;
        this.alloc = alloc;
        this.listener = listener;
        this.metrics = metrics;
        this.load = new LoopLoad(name);
    }

    /**
     * Takes ownership of {@code frame} and {@code wsFrame} (one reference each). {@code wsFrame} is the message's
     * WebSocket encoding, or null when the fan-out saw no WebSocket connection (it is then made here if needed).
     */
    void offer(ByteBuf frame, ByteBuf wsFrame, Message message, String pattern, List<NettyClient> clients) {
        int size = frame.readableBytes() + (wsFrame == null ? 0 : wsFrame.readableBytes());
        if (pendingBytes.addAndGet(size) > MAX_PENDING_BYTES) {
            pendingBytes.addAndGet(-size);
            frame.release();
            if (wsFrame != null) {
                wsFrame.release();
            }
            metrics.dropped(DropReason.SERVER_OVERLOADED);
            listener.messageDropped(message, DropReason.SERVER_OVERLOADED);
            return;
        }
        queue.add(new Delivery(frame, wsFrame, size, message, pattern, clients));
        schedule();
    }

    /** From a producer: runs a pass at once unless one is scheduled or running (it will see this delivery). */
    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            runNext(0);
        }
    }

    /** Runs the next pass after {@code delayNanos} (0: at once); {@link #scheduled} is set. */
    private void runNext(long delayNanos) {
        try {
            if (delayNanos > 0) {
                loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
            } else {
                loop.execute(this);
            }
        } catch (RejectedExecutionException e) {
            // the loop is shutting down: nobody will deliver these, so release them here
            discardAll();
        }
    }

    /**
     * One pass. {@link #scheduled} stays set while it runs, so that deliveries offered meanwhile do not start
     * another pass: the end of this one decides when the next runs.
     */
    @Override
    public void run() {
        long start = clock.getAsLong();
        pushes = 0;
        bytes = 0;
        wsPushes = 0;
        wsBytes = 0;
        int n = 0;
        try {
            try {
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
                if (wsPushes > 0) {
                    metrics.webSocketMessages.add(wsPushes);
                    metrics.webSocketBytes.add(wsBytes);
                }
                for (NettyClient client : toFlush) {
                    client.flushIfPending();
                }
                toFlush.clear();
            }
        } finally {
            afterPass(start, n < MAX_BATCH);
        }
    }

    /**
     * Decides the next pass: when messages came while this one wrote, after a linger as long as this pass took
     * (at most {@link #MAX_LINGER_NANOS}; none if the pass was cut short by {@link #MAX_BATCH}); else none until a
     * producer offers the next delivery, which then runs at once.
     */
    private void afterPass(long start, boolean drained) {
        if (!queue.isEmpty()) {
            runNext(drained ? Math.min(clock.getAsLong() - start, MAX_LINGER_NANOS) : 0);
            return;
        }
        scheduled.set(false);
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            runNext(0); // offered between the check and the reset: its producer saw a pass still scheduled
        }
    }

    /** Whether {@code next} goes to exactly the same clients as {@code first} (the same registry snapshot). */
    private static boolean joinable(Delivery first, Delivery next) {
        return next != null && next.pattern == null && next.clients == first.clients;
    }

    private void deliver(Delivery d) {
        try {
            for (NettyClient client : d.clients) {
                ByteBuf frame = d.frameFor(client, alloc, commands);
                if (client.push(frame, d.message, d.pattern, toFlush)) {
                    counted(client, 1, frame.readableBytes());
                }
            }
        } finally {
            d.release(pendingBytes);
        }
    }

    /** Counts {@code n} pushes of {@code length} bytes in all written to {@code client}. */
    private void counted(NettyClient client, int n, long length) {
        pushes += n;
        bytes += length;
        if (client.webSocket()) {
            wsPushes += n;
            wsBytes += length;
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
        ByteBuf wsJoined = null;
        try {
            for (Delivery d : run) {
                runMessages.add(d.message);
            }
            for (NettyClient client : first.clients) {
                if (client.writesOneByOne()) {
                    // one publish may also reach it through a pattern, or its topic is held: each message on its own
                    for (Delivery d : run) {
                        ByteBuf frame = d.frameFor(client, alloc, commands);
                        if (client.push(frame, d.message, null, toFlush)) {
                            counted(client, 1, frame.readableBytes());
                        }
                    }
                    continue;
                }
                ByteBuf frames;
                if (client.sharedWebSocketFrames()) {
                    if (wsJoined == null) {
                        wsJoined = join(run, true);
                    }
                    frames = wsJoined;
                } else {
                    if (joined == null) {
                        joined = join(run, false);
                    }
                    frames = joined;
                }
                if (client.pushAll(frames, runMessages, toFlush)) {
                    counted(client, run.size(), frames.readableBytes());
                }
            }
            return run.size() - 1;
        } finally {
            if (joined != null) {
                joined.release();
            }
            if (wsJoined != null) {
                wsJoined.release();
            }
            for (Delivery d : run) {
                d.release(pendingBytes);
            }
            run.clear();
            runMessages.clear();
        }
    }

    /** Copies the run's frames, TCP or WebSocket, into one buffer, once for all the clients that take it. */
    private ByteBuf join(List<Delivery> deliveries, boolean webSocket) {
        int length = 0;
        for (Delivery d : deliveries) {
            length += (webSocket ? d.wsFrame(alloc, commands) : d.frame).readableBytes();
        }
        ByteBuf joined = alloc.directBuffer(length);
        for (Delivery d : deliveries) {
            ByteBuf f = webSocket ? d.wsFrame(alloc, commands) : d.frame;
            joined.writeBytes(f, f.readerIndex(), f.readableBytes());
        }
        return joined;
    }

    /**
     * Releases everything queued. Called when the loop cannot run a pass any more: it rejected one, or it has
     * terminated (a lingering pass is a scheduled task, which a loop that shuts down cancels without running).
     */
    void discardAll() {
        scheduled.set(false);
        Delivery d;
        while ((d = queue.poll()) != null) {
            d.release(pendingBytes);
        }
    }

    /**
     * One message for the loop's subscribers: its TCP frame and its WebSocket frame (made on the loop, once, when the
     * fan-out did not make it), {@code pattern} the matching pattern for a pattern delivery, null for a topic one.
     * Only touched on the loop once queued.
     */
    private static final class Delivery {
        final ByteBuf frame;
        private ByteBuf wsFrame;
        /** The bytes counted against {@link #MAX_PENDING_BYTES} when it was offered. */
        private final int counted;
        final Message message;
        final String pattern;
        final List<NettyClient> clients;

        Delivery(ByteBuf frame, ByteBuf wsFrame, int counted, Message message, String pattern,
                List<NettyClient> clients) {
            this.frame = frame;
            this.wsFrame = wsFrame;
            this.counted = counted;
            this.message = message;
            this.pattern = pattern;
            this.clients = clients;
        }

        /** The frame {@code client} takes: the shared WebSocket encoding, or the TCP framing. */
        ByteBuf frameFor(NettyClient client, ByteBufAllocator alloc, boolean commands) {
            return client.sharedWebSocketFrames() ? wsFrame(alloc, commands) : frame;
        }

        ByteBuf wsFrame(ByteBufAllocator alloc, boolean commands) {
            if (wsFrame == null) {
                // a WebSocket client registered after the fan-out looked: encode here, once for this loop
                wsFrame = WebSocketFrames.push(alloc, commands ? Frames.commandsHeader(message) : null, message);
            }
            return wsFrame;
        }

        void release(AtomicLong pendingBytes) {
            pendingBytes.addAndGet(-counted);
            frame.release();
            if (wsFrame != null) {
                wsFrame.release();
            }
        }
    }
}
