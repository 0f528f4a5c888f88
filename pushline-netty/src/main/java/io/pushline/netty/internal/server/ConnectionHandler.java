package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.CloseReason;
import io.pushline.internal.LogText;
import io.pushline.netty.internal.FrameDecoder;
import io.pushline.netty.internal.Frames;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
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
    /** While the authenticator decides on the client's certificate: frames that arrived meanwhile, in order. */
    private ArrayDeque<ByteBuf> heldFrames;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // on WebSocket this handler is added after the upgrade: it never sees channelActive, but OPENED
        if (ctx.pipeline().get(PushChannelInitializer.TLS) == null) {
            register(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == WebSocketBridge.OPENED) {
            // added once the WebSocket upgrade completed, after TLS if any: the connection starts now
            if (ctx.pipeline().get(PushChannelInitializer.TLS) == null) {
                register(ctx);
            } else {
                tlsEstablished(ctx);
            }
        } else if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent handshake = (SslHandshakeCompletionEvent) evt;
            if (handshake.isSuccess()) {
                tlsEstablished(ctx);
            } else {
                LOG.debug("{}: TLS handshake failed: {}", client, handshake.cause().toString());
                client.closeReason(CloseReason.TLS_HANDSHAKE);
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Hooks see the client, and its certificate, only once TLS is established. */
    private void tlsEstablished(ChannelHandlerContext ctx) {
        X509Certificate[] chain = peerCertificates(ctx);
        Authenticator authenticator = server.config().authenticator();
        if (authenticator != null && chain != null) {
            authenticateCertificate(ctx, authenticator, chain);
        } else {
            register(ctx);
        }
    }

    /** The client's verified certificate chain, or null when it presented none. */
    private static X509Certificate[] peerCertificates(ChannelHandlerContext ctx) {
        SslHandler tls = (SslHandler) ctx.pipeline().get(PushChannelInitializer.TLS);
        try {
            Certificate[] certs = tls.engine().getSession().getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain.length == 0 ? null : chain;
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null; // TLS without a client certificate
        }
    }

    /** Asks the authenticator about the certificate; reads nothing from the client until it has answered. */
    private void authenticateCertificate(ChannelHandlerContext ctx, Authenticator authenticator,
            X509Certificate[] chain) {
        ctx.channel().config().setAutoRead(false);
        CompletableFuture<Authentication> decision = ask(() -> authenticator.authenticateCertificate(client, chain));
        heldFrames = new ArrayDeque<>();
        decision.whenComplete((auth, error) -> {
            if (ctx.executor().inEventLoop()) {
                certificateDecided(ctx, auth, error);
            } else {
                ctx.executor().execute(() -> certificateDecided(ctx, auth, error));
            }
        });
    }

    private void certificateDecided(ChannelHandlerContext ctx, Authentication auth, Throwable error) {
        ArrayDeque<ByteBuf> held = heldFrames;
        heldFrames = null;
        try {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (error != null) {
                LOG.debug("{}: client certificate refused: {}", client, error.toString());
                client.closeReason(CloseReason.UNAUTHORIZED);
                replyErrorAndClose(ctx, "unauthorized");
                return;
            }
            if (auth != null) {
                client.auth().authenticated(auth);
                LOG.debug("{} authenticated by its certificate as {}", client, LogText.escape(auth.principal()));
            }
            register(ctx);
            for (ByteBuf frame; (frame = held.poll()) != null; ) {
                try {
                    channelRead0(ctx, frame);
                } finally {
                    frame.release();
                }
            }
            ctx.channel().config().setAutoRead(true);
        } finally {
            held.forEach(ByteBuf::release);
        }
    }

    /**
     * Asks the authenticator: what it throws fails the decision, and a null future is a decision of null (not
     * authenticated), so that a faulty authenticator refuses clients rather than breaking their connections.
     */
    final CompletableFuture<Authentication> ask(Supplier<CompletableFuture<Authentication>> authenticator) {
        try {
            CompletableFuture<Authentication> decision = authenticator.get();
            return decision != null ? decision : CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            LOG.warn("{}: authenticator failed", client, e);
            return CompletableFuture.failedFuture(e);
        }
    }

    private void register(ChannelHandlerContext ctx) {
        registered = true;
        if (client.webSocket()) {
            server.metrics().webSocketConnections.incrementAndGet(); // before it can be a subscriber
            server.metrics().webSocketOpened.increment();
        }
        server.subscriptions().add(client);
        client.registered();
        server.metrics().connectionsOpened.increment();
        LOG.debug("{} connected", client);
        server.listener().clientConnected(client);
        if (!client.auth().isAuthenticated()) {
            ctx.executor().schedule(() -> {
                if (!client.auth().isAuthenticated() && ctx.channel().isActive()) {
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
        if (heldFrames != null) {
            heldFrames.forEach(ByteBuf::release);
            heldFrames.clear();
        }
        client.closed();
        if (!registered) {
            // never got past the TLS handshake: hooks never saw it, only the metrics count it
            server.metrics().closed(client.closeReason() == CloseReason.CLIENT ? CloseReason.TLS_HANDSHAKE
                    : client.closeReason());
            ctx.fireChannelInactive();
            return;
        }
        client.auth().cancelExpiry();
        server.subscriptions().remove(client);
        if (client.webSocket()) {
            server.metrics().webSocketConnections.decrementAndGet();
        }
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
        } else {
            client.onUnwritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    protected final void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (heldFrames != null) {
            heldFrames.add(frame.retain()); // decoded in the same read as the handshake: replayed once decided
            return;
        }
        if (!registered) {
            return; // refused during the handshake, and closing: what it still sends is not read
        }
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
        } else if (cause instanceof FrameDecoder.FrameTimeoutException) {
            client.closeReason(CloseReason.IDLE_TIMEOUT);
            LOG.debug("{}: {}, closing", client, cause.getMessage());
            replyErrorAndClose(ctx, "frame timeout");
        } else if (cause instanceof DecompressionException) {
            client.closeReason(CloseReason.BAD_FRAME);
            LOG.debug("{}: compressed message inflates past the maximum frame length, closing", client);
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
