package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.pushline.CloseReason;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every protocol does with a connection: registers the client when it connects and unregisters it (ending
 * its broker subscriptions) when it disconnects, skips empty frames, and answers framing errors with
 * {@code -ERR ...} and a close. Subclasses handle frames. One instance per channel.
 */
abstract class ConnectionHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    final ServerContext server;
    final NettyClient client;

    ConnectionHandler(ServerContext server, NettyClient client) {
        this.server = server;
        this.client = client;
    }

    private boolean registered;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(PushChannelInitializer.TLS) == null) {
            register(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent handshake = (SslHandshakeCompletionEvent) evt;
            if (handshake.isSuccess()) {
                register(ctx); // hooks see the client, and its certificate, only once TLS is established
            } else {
                LOG.debug("{}: TLS handshake failed: {}", client, handshake.cause().toString());
                client.closeReason(CloseReason.TLS_HANDSHAKE);
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    private void register(ChannelHandlerContext ctx) {
        registered = true;
        server.subscriptions().add(client);
        server.metrics().connectionsOpened.increment();
        LOG.debug("{} connected", client);
        server.listener().clientConnected(client);
        if (!client.isAuthenticated()) {
            ctx.executor().schedule(() -> {
                if (!client.isAuthenticated() && ctx.channel().isActive()) {
                    LOG.debug("{}: not authenticated within {}, closing", client, server.config().authTimeout());
                    client.closeReason(CloseReason.UNAUTHORIZED);
                    replyErrorAndClose(ctx, "unauthorized");
                }
            }, server.config().authTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        onConnected(ctx);
    }

    /** Called once the client is registered. */
    void onConnected(ChannelHandlerContext ctx) {
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!registered) {
            // never got past the TLS handshake: hooks never saw it, only the metrics count it
            server.metrics().closed(client.closeReason() == CloseReason.CLIENT ? CloseReason.TLS_HANDSHAKE
                    : client.closeReason());
            ctx.fireChannelInactive();
            return;
        }
        server.subscriptions().remove(client);
        CloseReason reason = client.closeReason();
        server.metrics().closed(reason);
        LOG.debug("{} disconnected ({})", client, reason);
        server.listener().clientDisconnected(client, reason);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            client.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    protected final void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (!frame.isReadable()) {
            return; // empty frames are ignored
        }
        server.metrics().framesReceived.increment();
        server.metrics().bytesReceived.add(frame.readableBytes());
        try {
            onFrame(ctx, frame);
        } catch (RuntimeException e) {
            LOG.warn("{}: frame handling failed, closing the connection", client, e);
            client.closeReason(CloseReason.ERROR);
            ctx.close();
        }
    }

    /** Handles one non-empty frame; the frame is released after this returns. */
    abstract void onFrame(ChannelHandlerContext ctx, ByteBuf frame);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            client.closeReason(CloseReason.BAD_FRAME);
            LOG.debug("{}: frame too long, closing", client);
            replyErrorAndClose(ctx, "frame too long");
        } else if (cause instanceof CorruptedFrameException) {
            client.closeReason(CloseReason.BAD_FRAME);
            LOG.debug("{}: corrupted frame, closing", client, cause);
            replyErrorAndClose(ctx, "bad frame");
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            client.closeReason(CloseReason.TLS_HANDSHAKE);
            LOG.debug("{}: TLS error, closing: {}", client, cause.getCause().toString());
            ctx.close();
        } else if (cause instanceof IOException) {
            LOG.debug("{}: I/O error, closing", client, cause);
            ctx.close();
        } else {
            client.closeReason(CloseReason.ERROR);
            LOG.warn("{}: unexpected error, closing", client, cause);
            ctx.close();
        }
    }

    void replyErrorAndClose(ChannelHandlerContext ctx, String reason) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(Frames.frame(ctx.alloc(), server.config().framing(), "-ERR " + reason))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
