package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.CloseReason;
import io.pushline.Framing;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.internal.Frames;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the next inbound frame may be handled, between the frame decoder and the protocol handler:
 * <ul>
 *   <li><b>Outbound bound.</b> A frame is handled only while the connection is not behind (its outbound buffer is
 *       under the soft limit: the channel is writable), because handling it may queue a reply or an echo. While it
 *       is behind, reading stops and the frames already decoded wait (one read's worth at most); under
 *       {@link SlowConsumerPolicy#DISCONNECT} a client that is a slow consumer (over the hard limit, or behind for
 *       too long) is disconnected instead. So replies and echoes never take a connection more than one frame past
 *       the level where it counts as behind.</li>
 *   <li><b>Rate.</b> A token bucket of frames and one of bytes, each refilled at its rate per second and allowing
 *       bursts of one second's worth (the byte bucket at least one frame). Over the limit it either stops reading and
 *       lets the frames already read through as tokens come (the kernel's receive window then pushes back on the
 *       client), or closes the connection.</li>
 * </ul>
 * One instance per channel, on its event loop.
 */
final class InboundFlowControl extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundFlowControl.class);

    private final NettyClient client;
    private final Framing framing;
    private final double framesPerNano;
    private final double bytesPerNano;
    private final double frameBurst;
    private final double byteBurst;
    private final RateLimitPolicy ratePolicy;
    private final SlowConsumerPolicy slowConsumerPolicy;
    private double frameTokens;
    private double byteTokens;
    private long lastNanos = System.nanoTime();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private ScheduledFuture<?> refill;

    InboundFlowControl(NettyClient client, ServerConfig config) {
        this.client = client;
        this.framing = config.framing();
        this.framesPerNano = config.inboundRateLimit() / 1e9;
        this.bytesPerNano = config.inboundByteRateLimit() / 1e9;
        this.frameBurst = config.inboundRateLimit();
        this.byteBurst = Math.max(config.inboundByteRateLimit(), config.framing().maxFrameLength() + 4.0);
        this.frameTokens = frameBurst;
        this.byteTokens = byteBurst;
        this.ratePolicy = config.inboundRatePolicy();
        this.slowConsumerPolicy = config.slowConsumerPolicy();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting.isEmpty() && ctx.channel().isWritable() && takeTokens(msg)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!ctx.channel().isWritable() && slowConsumerPolicy == SlowConsumerPolicy.DISCONNECT && client.overLimit()) {
            ReferenceCountUtil.release(msg);
            releaseWaiting();
            client.slowConsumer("replies waiting");
            return;
        }
        if (ctx.channel().isWritable() && waiting.isEmpty() && ratePolicy == RateLimitPolicy.DISCONNECT) {
            ReferenceCountUtil.release(msg);
            if (ctx.channel().isActive() && client.closeReason() == CloseReason.CLIENT) {
                LOG.debug("{}: over the inbound rate limit, closing", client);
                client.closeReason(CloseReason.RATE_LIMITED);
                ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, "-ERR rate limit exceeded"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        // wait: stop reading; the frames already read (at most one read's worth) wait here, in order
        waiting.add(msg);
        if (waiting.size() == 1) {
            ctx.channel().config().setAutoRead(false);
            scheduleDrain(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && !waiting.isEmpty()) {
            drain(ctx);
        }
        super.channelWritabilityChanged(ctx);
    }

    private boolean takeTokens(Object msg) {
        int size = msg instanceof ByteBuf ? ((ByteBuf) msg).readableBytes() : 0;
        long now = System.nanoTime();
        long elapsed = now - lastNanos;
        lastNanos = now;
        frameTokens = Math.min(frameBurst, frameTokens + elapsed * framesPerNano);
        byteTokens = Math.min(byteBurst, byteTokens + elapsed * bytesPerNano);
        if (frameTokens >= 1 && byteTokens >= size) {
            frameTokens -= 1;
            byteTokens -= size;
            return true;
        }
        return false;
    }

    /** When the head frame waits for tokens, wakes up once they have come; a full buffer wakes it by itself. */
    private void scheduleDrain(ChannelHandlerContext ctx) {
        if (refill != null || !ctx.channel().isWritable()) {
            return;
        }
        Object head = waiting.peek();
        int size = head instanceof ByteBuf ? ((ByteBuf) head).readableBytes() : 0;
        double frameWait = frameTokens >= 1 ? 0 : (1 - frameTokens) / framesPerNano;
        double byteWait = byteTokens >= size ? 0 : (size - byteTokens) / bytesPerNano;
        long waitNanos = Math.max(1, (long) Math.max(frameWait, byteWait));
        refill = ctx.executor().schedule(() -> {
            refill = null;
            drain(ctx);
        }, waitNanos, TimeUnit.NANOSECONDS);
    }

    private void drain(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            releaseWaiting();
            return;
        }
        boolean fired = false;
        while (!waiting.isEmpty() && ctx.channel().isWritable() && takeTokens(waiting.peek())) {
            ctx.fireChannelRead(waiting.poll());
            fired = true;
        }
        if (fired) {
            ctx.fireChannelReadComplete();
        }
        if (waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        } else {
            scheduleDrain(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseWaiting();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    private void releaseWaiting() {
        if (refill != null) {
            refill.cancel(false);
            refill = null;
        }
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
