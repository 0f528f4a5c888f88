package io.pushline.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pushline.CloseReason;
import io.pushline.Framing;
import io.pushline.RateLimitPolicy;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket over inbound frames: {@code rate} frames per second, bursts up to one second's worth. Over the
 * limit it either stops reading and lets the frames already read through one by one as tokens come (the
 * kernel's receive window then pushes back on the client), or closes the connection. One instance per channel, on its event loop.
 */
final class InboundRateLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundRateLimiter.class);

    private final NettyClient client;
    private final Framing framing;
    private final double ratePerNano;
    private final double burst;
    private final RateLimitPolicy policy;
    private double tokens;
    private long lastNanos = System.nanoTime();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();

    InboundRateLimiter(NettyClient client, Framing framing, int framesPerSecond, RateLimitPolicy policy) {
        this.client = client;
        this.framing = framing;
        this.ratePerNano = framesPerSecond / 1e9;
        this.burst = framesPerSecond;
        this.tokens = framesPerSecond;
        this.policy = policy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting.isEmpty() && takeToken()) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (policy == RateLimitPolicy.DISCONNECT) {
            ReferenceCountUtil.release(msg);
            if (ctx.channel().isActive() && client.closeReason() == CloseReason.CLIENT) {
                LOG.debug("{}: over the inbound rate limit, closing", client);
                client.closeReason(CloseReason.RATE_LIMITED);
                ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, "-ERR rate limit exceeded"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        // THROTTLE: stop reading; the frames already read (at most one read's worth) wait here for their tokens
        waiting.add(msg);
        if (waiting.size() == 1) {
            ctx.channel().config().setAutoRead(false);
            scheduleDrain(ctx);
        }
    }

    private boolean takeToken() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastNanos) * ratePerNano);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void scheduleDrain(ChannelHandlerContext ctx) {
        long waitNanos = Math.max(1, (long) ((1 - tokens) / ratePerNano));
        ctx.executor().schedule(() -> drain(ctx), waitNanos, TimeUnit.NANOSECONDS);
    }

    private void drain(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            releaseWaiting();
            return;
        }
        boolean fired = false;
        while (!waiting.isEmpty() && takeToken()) {
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
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
