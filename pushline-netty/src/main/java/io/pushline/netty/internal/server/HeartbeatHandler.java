package io.pushline.netty.internal.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.pushline.CloseReason;
import io.pushline.Framing;
import io.pushline.netty.internal.Frames;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds dead and half-open peers. Sits after an {@code IdleStateHandler} whose reader-idle time is the heartbeat
 * interval (and, for raw heartbeats, whose writer-idle time is too):
 * <ul>
 *   <li>while the client has sent nothing for a heartbeat interval, a {@code commands} connection gets a
 *       {@code PING} (the client answers {@code PONG}, which counts as activity);</li>
 *   <li>a {@code raw} connection with a heartbeat frame gets it whenever nothing was written for an interval;</li>
 *   <li>once the client has been silent for the idle timeout, the connection is closed (after
 *       {@code -ERR idle timeout} on {@code commands}).</li>
 * </ul>
 * On WebSocket, reader idleness gets a WebSocket ping in both protocols, and the browser's pong counts as activity.
 * One instance per channel; everything runs on its event loop.
 */
final class HeartbeatHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatHandler.class);

    private final NettyClient client;
    private final Framing framing;
    private final byte[] ping;
    private final long intervalNanos;
    private final long idleTimeoutNanos;
    private final boolean replyOnTimeout;
    private long silentNanos;
    /** On WebSocket: pings are WebSocket pings, which browsers answer by themselves, in both protocols. */
    private final boolean webSocket;

    /**
     * @param client the connection's client, to record why it closes
     * @param ping the frame to send on reader idleness ({@code commands}) or writer idleness ({@code raw});
     *     null for none
     * @param idleTimeout close after this much reader silence; null for never
     */
    HeartbeatHandler(NettyClient client, Framing framing, byte[] ping, Duration interval, Duration idleTimeout,
            boolean commands) {
        this(client, framing, ping, interval, idleTimeout, commands, false);
    }

    /**
     * @param webSocket whether the connection is a WebSocket: reader idleness then gets a WebSocket ping
     */
    HeartbeatHandler(NettyClient client, Framing framing, byte[] ping, Duration interval, Duration idleTimeout,
            boolean commands, boolean webSocket) {
        this.webSocket = webSocket;
        this.client = client;
        this.framing = framing;
        this.ping = ping;
        this.intervalNanos = interval.toNanos();
        this.idleTimeoutNanos = idleTimeout == null ? Long.MAX_VALUE : idleTimeout.toNanos();
        this.replyOnTimeout = commands;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        IdleStateEvent idle = (IdleStateEvent) evt;
        if (idle.state() == IdleState.READER_IDLE) {
            silentNanos = idle.isFirst() ? intervalNanos : silentNanos + intervalNanos;
            if (silentNanos >= idleTimeoutNanos) {
                client.closeReason(CloseReason.IDLE_TIMEOUT);
                LOG.debug("{}: silent for {} ms, closing", ctx.channel().remoteAddress(), silentNanos / 1_000_000);
                if (replyOnTimeout) {
                    ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, "-ERR idle timeout"))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.close();
                }
            } else if (webSocket && ctx.channel().isWritable()) {
                ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
            } else if (replyOnTimeout && ping != null && ctx.channel().isWritable()) {
                ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, ping), ctx.voidPromise());
            }
        } else if (idle.state() == IdleState.WRITER_IDLE && !webSocket && !replyOnTimeout && ping != null
                && ctx.channel().isWritable()) {
            // a heartbeat counts against the outbound bound like anything else: none while the buffer is full
            ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, ping), ctx.voidPromise());
        }
    }
}
