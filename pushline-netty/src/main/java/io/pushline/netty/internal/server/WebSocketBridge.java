package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.pushline.CloseReason;
import io.pushline.Framing;
import io.pushline.Protocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Where a WebSocket connection meets the protocol handlers, which speak frames as {@code ByteBuf}s as they do on
 * TCP. Once the upgrade completed it adds the connection's handlers after itself (heartbeat, flow control, the
 * protocol) and starts the connection. Then:
 * <ul>
 *   <li>in: each text or binary message (fragments joined, bounded by the maximum frame length) is one frame;</li>
 *   <li>out: the frames the handlers write in the server's TCP framing (replies, errors, host frames) are turned
 *       into one WebSocket message each; pushes do not come through here, they are written under it already
 *       encoded once for every WebSocket client (see {@link NettyClient#webSocketOpened}), unless compression is
 *       on;</li>
 *   <li>close: a close frame goes first, with a status that says why.</li>
 * </ul>
 * One instance per channel, on its event loop.
 */
final class WebSocketBridge extends ChannelDuplexHandler {
    /** The user event that starts a WebSocket connection's protocol handler. */
    static final Object OPENED = new Object() {
        @Override
        public String toString() {
            return "WebSocketOpened";
        }
    };

    private final ServerContext server;
    private final NettyClient client;
    private final boolean compression;
    private final Framing framing;
    private boolean open;
    private boolean closeSent;

    WebSocketBridge(ServerContext server, NettyClient client, boolean compression) {
        this.server = server;
        this.client = client;
        this.compression = compression;
        this.framing = server.config().framing();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete && !open) {
            open = true;
            ctx.pipeline().remove(WebSocketChannelInitializer.GATE);
            addConnectionHandlers(ctx);
            client.webSocketOpened(ctx, compression);
            ctx.fireUserEventTriggered(OPENED);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void addConnectionHandlers(ChannelHandlerContext ctx) {
        ServerConfig config = server.config();
        ChannelPipeline p = ctx.pipeline();
        boolean commands = config.protocol() == Protocol.COMMANDS;
        // browsers answer pings by themselves: an idle timeout applies on WebSocket in both protocols
        Duration idleTimeout = config.timeouts().idleTimeout(Protocol.COMMANDS).orElse(null);
        long interval = config.heartbeatInterval().toMillis();
        // before the protocol handler, which drops pongs: a pong counts as activity
        p.addBefore(WebSocketChannelInitializer.PROTOCOL, "idleState",
                new IdleStateHandler(interval, 0, 0, TimeUnit.MILLISECONDS));
        p.addBefore(ctx.name(), "wsAggregator", new WebSocketFrameAggregator(framing.maxFrameLength()));
        String after = ctx.name();
        p.addAfter(after, "heartbeat", new HeartbeatHandler(client, framing, null, config.heartbeatInterval(),
                idleTimeout, commands, true));
        p.addAfter("heartbeat", "flowControl", new InboundFlowControl(client, config));
        p.addAfter("flowControl", "protocol", commands ? new CommandsProtocolHandler(server, client)
                : new RawProtocolHandler(server, client));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
            ctx.fireChannelRead(((WebSocketFrame) msg).content()); // ownership passes with the content
        } else if (open) {
            ReferenceCountUtil.release(msg); // Netty's handler answered pings and closes; nothing else is expected
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf) || !((ByteBuf) msg).isReadable() || !open) {
            if (msg instanceof CloseWebSocketFrame) {
                closeSent = true;
            }
            ctx.write(msg, promise);
            return;
        }
        ByteBuf frames = (ByteBuf) msg;
        try {
            // one or more frames in the TCP framing: each becomes one WebSocket message
            while (frames.isReadable()) {
                ByteBuf body = nextBody(frames);
                boolean last = !frames.isReadable();
                WebSocketFrame out = ByteBufUtil.isText(body, StandardCharsets.UTF_8)
                        ? new TextWebSocketFrame(body.retain()) : new BinaryWebSocketFrame(body.retain());
                ctx.write(out, last ? promise : ctx.voidPromise());
            }
        } finally {
            frames.release();
        }
    }

    /** Slices the next frame's payload off {@code frames}, advancing past its framing. */
    private ByteBuf nextBody(ByteBuf frames) {
        if (framing.kind() == Framing.Kind.LINES) {
            int cr = frames.indexOf(frames.readerIndex(), frames.writerIndex(), (byte) '\r');
            int end = cr < 0 ? frames.writerIndex() : cr;
            ByteBuf body = frames.slice(frames.readerIndex(), end - frames.readerIndex());
            frames.readerIndex(Math.min(frames.writerIndex(), end + 2));
            return body;
        }
        int length = frames.readInt();
        return frames.readSlice(length);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!open || closeSent || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(status(client.closeReason()),
                client.closeReason().name().toLowerCase(Locale.ROOT)))
                .addListener(f -> ctx.close(promise));
    }

    /** The close status that tells a browser why the server closed. */
    private static WebSocketCloseStatus status(CloseReason reason) {
        switch (reason) {
            case SERVER_SHUTDOWN:
                return WebSocketCloseStatus.ENDPOINT_UNAVAILABLE;
            case CLIENT:
            case DISCONNECTED:
                return WebSocketCloseStatus.NORMAL_CLOSURE;
            case BAD_FRAME:
                return WebSocketCloseStatus.PROTOCOL_ERROR;
            case ERROR:
                return WebSocketCloseStatus.INTERNAL_SERVER_ERROR;
            default:
                return WebSocketCloseStatus.POLICY_VIOLATION; // slow consumer, rate, auth, idle...
        }
    }
}
