package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.pushline.Framing;
import io.pushline.Protocol;
import io.pushline.netty.internal.FrameDecoder;
import io.pushline.netty.internal.Frames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds each connection's pipeline: {@code frameDecoder} (new per channel), then the protocol handler. Outbound
 * frames are encoded before they reach the pipeline, so no encoder is needed.
 */
final class PushChannelInitializer extends ChannelInitializer<Channel> {
    private final ServerContext server;
    /** The name of the TLS handler, first in the pipeline when TLS is on. */
    static final String TLS = "tls";
    private static final byte[] PING = "PING".getBytes(StandardCharsets.US_ASCII);
    private final AtomicLong ids = new AtomicLong();

    PushChannelInitializer(ServerContext server) {
        this.server = server;
    }

    /** A new client id, unique across the server's ports. */
    String nextId() {
        return Long.toString(ids.incrementAndGet());
    }

    @Override
    protected void initChannel(Channel ch) {
        Integer partition = server.partitions().get(ch.eventLoop());
        if (partition == null) {
            throw new IllegalStateException("channel registered on an event loop outside the server's group");
        }
        NettyClient client = new NettyClient(nextId(), ch, partition, server);
        ChannelPipeline p = ch.pipeline();
        ServerConfig config = server.config();
        if (config.sslContext() != null) {
            SslHandler tls = config.sslContext().newHandler(ch.alloc());
            p.addLast("tlsGuard", new TlsRenegotiationGuard(client, tls));
            p.addLast(TLS, tls);
        }
        if (!server.limits().tryAcquire(ch.remoteAddress())) {
            server.metrics().connectionsRefused.increment();
            server.listener().connectionRefused(ch.remoteAddress());
            p.addLast("refuse", new RefuseHandler(config.framing()));
            return;
        }
        ch.closeFuture().addListener(f -> server.limits().release(ch.remoteAddress()));
        boolean commands = config.protocol() == Protocol.COMMANDS;
        // empty frames are dropped by the decoder, so they count as neither a command nor activity
        p.addLast("frameDecoder", FrameDecoder.of(config.framing(), true, config.frameTimeout()));
        Duration idleTimeout = config.idleTimeout();
        byte[] ping = commands ? PING : config.rawHeartbeat();
        if (idleTimeout != null || ping != null) {
            // after the decoder: only complete frames show that the client is alive, not bytes trickling in
            long interval = config.heartbeatInterval().toMillis();
            p.addLast("idleState", new IdleStateHandler(idleTimeout != null || commands ? interval : 0,
                    commands || ping == null ? 0 : interval, 0, TimeUnit.MILLISECONDS));
            p.addLast("heartbeat", new HeartbeatHandler(client, config.framing(), ping, config.heartbeatInterval(),
                    idleTimeout, commands));
        }
        p.addLast("flowControl", new InboundFlowControl(client, config));
        p.addLast("protocol", server.config().protocol() == Protocol.COMMANDS
                ? new CommandsProtocolHandler(server, client)
                : new RawProtocolHandler(server, client));
    }

    /** Refuses a connection over the limits: {@code -ERR too many connections}, then close. */
    private static final class RefuseHandler extends ChannelInboundHandlerAdapter {
        private final Framing framing;

        RefuseHandler(Framing framing) {
            this.framing = framing;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, "-ERR too many connections"))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
