package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code raw} protocol for one connection: registers the client and subscribes it to the default topics when
 * it connects, passes every non-empty inbound frame to the host's frame handler, and unregisters the client when
 * it disconnects. Framing errors get {@code -ERR ...} and close the connection. One instance per channel.
 */
final class RawProtocolHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger LOG = LoggerFactory.getLogger(RawProtocolHandler.class);

    private final ServerContext server;
    private final NettyClient client;

    RawProtocolHandler(ServerContext server, NettyClient client) {
        this.server = server;
        this.client = client;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        server.subscriptions().add(client);
        LOG.debug("{} connected", client);
        server.listener().clientConnected(client);
        for (String topic : server.config().defaultTopics()) {
            server.subscriptions().subscribe(client, topic);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.subscriptions().remove(client);
        LOG.debug("{} disconnected", client);
        server.listener().clientDisconnected(client);
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (!frame.isReadable()) {
            return; // empty frames are ignored
        }
        byte[] bytes = ByteBufUtil.getBytes(frame);
        try {
            server.config().frameHandler().onFrame(client, bytes);
        } catch (RuntimeException e) {
            LOG.warn("{}: frame handler failed, closing the connection", client, e);
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.debug("{}: frame too long, closing", client);
            replyErrorAndClose(ctx, "frame too long");
        } else if (cause instanceof CorruptedFrameException) {
            LOG.debug("{}: corrupted frame, closing", client, cause);
            replyErrorAndClose(ctx, "bad frame");
        } else if (cause instanceof IOException) {
            LOG.debug("{}: I/O error, closing", client, cause);
            ctx.close();
        } else {
            LOG.warn("{}: unexpected error, closing", client, cause);
            ctx.close();
        }
    }

    private void replyErrorAndClose(ChannelHandlerContext ctx, String reason) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(Frames.frame(ctx.alloc(), server.config().framing(), "-ERR " + reason))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
