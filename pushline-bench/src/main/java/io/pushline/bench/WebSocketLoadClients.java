package io.pushline.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
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
 * N WebSocket clients (Netty epoll, as the TCP load clients) that count the deliveries they read and record each
 * one's latency from the publisher's stamp: every text or binary message is one raw payload
 * {@code P<seq> <stamp> ...}. Like the TCP clients, they parse in place, with no object per message: with
 * Netty's WebSocket client codec (a frame object and a pipeline pass per message), 763 of 1,000 clients fell
 * behind at scenario B's rate and were cut as slow consumers, while the same server kept up with 1,000 TCP clients.
 */
final class WebSocketLoadClients implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final Map<EventLoop, SingleWriterRecorder> recorders = new ConcurrentHashMap<>();
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final AtomicInteger open = new AtomicInteger();
    /** One permit per completed handshake. */
    private final Semaphore handshakes = new Semaphore(0);
    private volatile boolean closing;
    private static final AttributeKey<Semaphore> PERMIT = AttributeKey.valueOf("permit");
    private static final ByteBuf HEADERS_END = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    WebSocketLoadClients(int threads) {
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-ws-client", true),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Opens {@code count} connections to {@code uri}, 256 handshakes in flight at most; returns the seconds. */
    double connect(URI uri, int count) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Counter(uri));
                    }
                });
        Semaphore inFlight = new Semaphore(256);
        List<ChannelFuture> futures = new ArrayList<>(count);
        long start = System.nanoTime();
        int target = open.get() + count;
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            ChannelFuture f = b.connect(uri.getHost(), uri.getPort());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    inFlight.release();
                }
            });
            futures.add(f);
            // a permit comes back when the handshake completed (Counter) or the connect failed
            f.channel().attr(PERMIT).set(inFlight);
        }
        for (ChannelFuture f : futures) {
            f.awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IllegalStateException("connect failed: " + f.cause(), f.cause());
            }
            synchronized (channels) {
                channels.add(f.channel());
            }
        }
        if (!handshakes.tryAcquire(count, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("only " + open.get() + " of " + target + " WebSocket handshakes");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    long deliveries() {
        return deliveries.sum();
    }

    long disconnects() {
        return disconnects.sum();
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

    /**
     * Upgrades with a fixed request (the load tool does not check the server's key) and then parses frames in
     * place, as the TCP clients parse lines: no object per message. Counts each text or binary message whose
     * payload starts with {@code P} as one delivery, with its latency.
     */
    private final class Counter extends ByteToMessageDecoder {
        private final byte[] upgrade;
        private SingleWriterRecorder recorder;
        private boolean upgraded;

        Counter(URI uri) {
            upgrade = ("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            recorder = recorders.computeIfAbsent(ctx.channel().eventLoop(),
                    loop -> new SingleWriterRecorder(TimeUnit.SECONDS.toNanos(120), 3));
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(upgrade));
            super.channelActive(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!upgraded) {
                int end = ByteBufUtil.indexOf(HEADERS_END, in);
                if (end < 0) {
                    return;
                }
                if (!in.toString(in.readerIndex(), 12, StandardCharsets.US_ASCII).equals("HTTP/1.1 101")) {
                    throw new IllegalStateException("WebSocket upgrade refused: "
                            + in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.US_ASCII));
                }
                in.readerIndex(end + HEADERS_END.readableBytes());
                upgraded = true;
                open.incrementAndGet();
                handshakes.release();
                Semaphore permit = ctx.channel().attr(PERMIT).getAndSet(null);
                if (permit != null) {
                    permit.release();
                }
            }
            long now = System.nanoTime();
            int count = 0;
            while (in.readableBytes() >= 2) {
                int i = in.readerIndex();
                int opcode = in.getByte(i) & 0x0F;
                int len = in.getByte(i + 1) & 0x7F;
                int header = 2;
                if (len == 126) {
                    if (in.readableBytes() < 4) {
                        break;
                    }
                    len = in.getUnsignedShort(i + 2);
                    header = 4;
                } else if (len == 127) {
                    if (in.readableBytes() < 10) {
                        break;
                    }
                    len = (int) in.getLong(i + 2);
                    header = 10;
                }
                if (in.readableBytes() < header + len) {
                    break;
                }
                int payload = i + header;
                if ((opcode == 1 || opcode == 2) && len > 1 && in.getByte(payload) == 'P') {
                    long latency = Math.max(0, now - PayloadStamp.stamp(in, payload));
                    recorder.recordValue(Math.min(latency, TimeUnit.SECONDS.toNanos(120)));
                    count++;
                } else if (opcode == 8) {
                    ctx.close();
                }
                in.readerIndex(payload + len);
            }
            if (count > 0) {
                deliveries.add(count);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!closing) {
                disconnects.increment();
            }
            Semaphore permit = ctx.channel().attr(PERMIT).getAndSet(null);
            if (permit != null) {
                permit.release();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
