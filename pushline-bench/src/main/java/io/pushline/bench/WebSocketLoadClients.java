package io.pushline.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
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
 * N WebSocket clients (Netty's client codec, epoll, as the TCP load clients) that count the deliveries they read
 * and record each one's latency from the publisher's stamp: every text or binary message is one raw payload
 * {@code P<seq> <stamp> ...}.
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
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                        uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(),
                                        1 << 20)),
                                new Counter());
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
            f.channel().attr(Counter.PERMIT).set(inFlight);
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

    /** Counts each message as one delivery, with its latency. */
    private final class Counter extends SimpleChannelInboundHandler<WebSocketFrame> {
        static final AttributeKey<Semaphore> PERMIT = AttributeKey.valueOf("permit");
        private SingleWriterRecorder recorder;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            recorder = recorders.computeIfAbsent(ctx.channel().eventLoop(),
                    loop -> new SingleWriterRecorder(TimeUnit.SECONDS.toNanos(120), 3));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                open.incrementAndGet();
                handshakes.release();
                Semaphore permit = ctx.channel().attr(PERMIT).getAndSet(null);
                if (permit != null) {
                    permit.release();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame) && !(frame instanceof BinaryWebSocketFrame)) {
                return;
            }
            ByteBuf in = frame.content();
            int i = in.readerIndex();
            if (in.readableBytes() < 2 || in.getByte(i) != 'P') {
                return;
            }
            long now = System.nanoTime();
            long stamp = PayloadStamp.stamp(in, i);
            long latency = Math.max(0, now - stamp);
            recorder.recordValue(Math.min(latency, TimeUnit.SECONDS.toNanos(120)));
            deliveries.increment();
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
