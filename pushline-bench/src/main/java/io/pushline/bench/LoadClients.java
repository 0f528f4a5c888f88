package io.pushline.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * N TCP clients that count the deliveries they read and record each one's latency from the publisher's
 * {@link System#nanoTime()} stamp. Pushline (raw frames, one per line), Redis (RESP pushes, one field per line) and
 * NATS ({@code MSG} lines, each followed by its payload line) are parsed the same way: every line that starts with
 * {@code P} and a digit is a payload {@code P<seq> <stamp> ...}; NATS's {@code PING} is answered with {@code PONG}.
 */
final class LoadClients implements AutoCloseable {
    private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final Map<EventLoop, SingleWriterRecorder> recorders = new ConcurrentHashMap<>();
    private final LongAdder deliveries = new LongAdder();
    /** Socket reads that returned data (one {@code channelRead} each) and the bytes they returned. */
    private final LongAdder reads = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    /** The client event loops' threads, for their CPU time. */
    private final Map<Long, Boolean> loopThreads = new ConcurrentHashMap<>();
    /** CPU nanoseconds each client spends per delivery, on top of parsing (a reader doing work per message). */
    private final long costNanos;
    /** Bytes each socket read asks for; 0 = Netty's adaptive guess (the default of a Netty reader). */
    private final int readBuffer;
    private final LongAdder disconnects = new LongAdder();
    private final AtomicInteger subscribed = new AtomicInteger();
    private volatile MessageTracker tracker;
    private volatile long lastDeliveryNanos;
    private volatile boolean closing;

    LoadClients(int threads, MessageTracker tracker, long costNanos, int readBuffer) {
        this.tracker = tracker;
        this.costNanos = costNanos;
        this.readBuffer = readBuffer;
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-client", true),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * Opens {@code count} connections, at most 256 handshakes in flight; {@code hello} (may be null) is written on
     * each; {@code stalled} connections never read. Returns the seconds it took.
     */
    double connect(InetSocketAddress server, List<InetSocketAddress> locals, int count, byte[] hello,
            boolean stalled, SslContext tls) throws InterruptedException {
        Bootstrap b = bootstrap(server, stalled, tls);
        Semaphore inFlight = new Semaphore(256);
        List<ChannelFuture> futures = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            ChannelFuture f = locals.isEmpty() ? b.connect(server) : b.connect(server, locals.get(i % locals.size()));
            f.addListener(done -> inFlight.release());
            futures.add(f);
        }
        for (ChannelFuture f : futures) {
            f.awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IllegalStateException("connect failed: " + f.cause(), f.cause());
            }
            Channel ch = f.channel();
            synchronized (channels) {
                channels.add(ch);
            }
            if (hello != null) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(hello));
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private Bootstrap bootstrap(InetSocketAddress server, boolean stalled, SslContext tls) {
        Bootstrap b = new Bootstrap();
        if (readBuffer > 0) {
            b.option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(readBuffer));
        }
        return b.group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, !stalled)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (stalled) {
                            ch.config().setReceiveBufferSize(4096);
                        }
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), server.getHostString(),
                                    server.getPort()));
                        }
                        ch.pipeline().addLast(new LineCounter());
                    }
                });
    }

    /** Tracks each message from now on (null stops tracking). */
    void track(MessageTracker tracker) {
        this.tracker = tracker;
    }

    /**
     * Opens {@code count} more connections one after another, tolerating failures (used past the server's limit);
     * returns how many the kernel accepted.
     */
    int connectTolerant(InetSocketAddress server, List<InetSocketAddress> locals, int count, byte[] hello,
            SslContext tls) {
        Bootstrap b = bootstrap(server, false, tls);
        int opened = 0;
        for (int i = 0; i < count; i++) {
            ChannelFuture f = (locals.isEmpty() ? b.connect(server) : b.connect(server, locals.get(i % locals.size())))
                    .awaitUninterruptibly();
            if (f.isSuccess()) {
                opened++;
                synchronized (channels) {
                    channels.add(f.channel());
                }
                if (hello != null) {
                    f.channel().writeAndFlush(Unpooled.wrappedBuffer(hello));
                }
            }
        }
        return opened;
    }

    long deliveries() {
        return deliveries.sum();
    }

    long reads() {
        return reads.sum();
    }

    long bytesRead() {
        return bytesRead.sum();
    }

    /** CPU seconds the client event loop threads have used so far. */
    double loopCpuSeconds() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long id : loopThreads.keySet()) {
            long t = mx.getThreadCpuTime(id);
            total += Math.max(0, t);
        }
        return total / 1e9;
    }

    long disconnects() {
        return disconnects.sum();
    }

    /** Redis-direct clients count their {@code subscribe} confirmations, NATS-direct ones their {@code PONG}. */
    int subscribed() {
        return subscribed.get();
    }

    long lastDeliveryNanos() {
        return lastDeliveryNanos;
    }

    /** The latency histogram (nanoseconds) of every delivery recorded since the last call. */
    Histogram latencies() {
        Histogram total = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        for (SingleWriterRecorder r : recorders.values()) {
            total.add(r.getIntervalHistogram());
        }
        return total;
    }

    @Override
    public void close() {
        closing = true;
        synchronized (channels) {
            for (Channel ch : channels) {
                ch.close();
            }
            channels.clear();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Parses lines in place (no String, no copy unless a line spans reads) and records each payload line. */
    private final class LineCounter extends ByteToMessageDecoder {
        private SingleWriterRecorder recorder;
        /** The tracker this connection's loop records into, and its part of it. */
        private MessageTracker partOf;
        private MessageTracker.Part part;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            recorder = recorders.computeIfAbsent(ctx.channel().eventLoop(),
                    loop -> new SingleWriterRecorder(TimeUnit.SECONDS.toNanos(120), 3));
            loopThreads.put(Thread.currentThread().getId(), Boolean.TRUE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof ByteBuf) {
                reads.increment();
                bytesRead.add(((ByteBuf) msg).readableBytes());
            }
            super.channelRead(ctx, msg);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            long now = System.nanoTime();
            MessageTracker t = tracker;
            if (t != partOf) {
                partOf = t;
                part = t == null ? null : t.part(ctx.channel().eventLoop());
            }
            int count = 0;
            int eol;
            while ((eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n')) >= 0) {
                int start = in.readerIndex();
                byte first = in.getByte(start);
                byte second = eol - start > 1 ? in.getByte(start + 1) : 0;
                if (first == 'P' && second == 'I') {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG)); // NATS-direct: the server's keep-alive
                } else if (first == 'P' && second == 'O') {
                    subscribed.incrementAndGet(); // NATS-direct: the PONG after CONNECT and SUB
                } else if (first == 'P') {
                    int i = start + 1;
                    long seq = 0;
                    byte c;
                    while ((c = in.getByte(i++)) != ' ') {
                        seq = seq * 10 + (c - '0');
                    }
                    long stamp = 0;
                    boolean negative = in.getByte(i) == '-';
                    if (negative) {
                        i++;
                    }
                    while ((c = in.getByte(i++)) != ' ') {
                        stamp = stamp * 10 + (c - '0');
                    }
                    long latency = Math.max(0, now - (negative ? -stamp : stamp));
                    recorder.recordValue(Math.min(latency, TimeUnit.SECONDS.toNanos(120)));
                    if (part != null) {
                        part.delivered(seq, latency);
                    }
                    if (costNanos > 0) {
                        spin(costNanos);
                    }
                    count++;
                } else if (first == 's' && in.toString(start, Math.min(9, eol - start), StandardCharsets.US_ASCII)
                        .equals("subscribe")) {
                    subscribed.incrementAndGet();
                }
                in.readerIndex(eol + 1);
            }
            if (count > 0) {
                deliveries.add(count);
                lastDeliveryNanos = now;
            }
        }

        /** Busy for {@code nanos} of the thread's time: the work a real reader does per message. */
        private void spin(long nanos) {
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!closing) {
                disconnects.increment();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
