package io.pushline.netty.internal.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.internal.LogText;
import io.pushline.netty.ServerWebSocket;
import io.pushline.netty.internal.Origins;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a WebSocket port, until the upgrade: lets a {@code GET} of the WebSocket path from an allowed
 * origin through to the handshake, serves the static files, answers anything else with an error status and closes
 * the connection after each response. Closes a connection that has not upgraded within the handshake deadline.
 * Removed by the {@link WebSocketBridge} once the upgrade completed. One instance per channel, on its event loop.
 */
final class WebSocketGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketGate.class);

    private final ServerContext server;
    private final ServerWebSocket settings;
    private final boolean secure;
    private ScheduledFuture<?> deadline;

    WebSocketGate(ServerContext server, ServerWebSocket settings, boolean secure) {
        this.server = server;
        this.settings = settings;
        this.secure = secure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                LOG.debug("{}: no WebSocket upgrade within {}, closing", ctx.channel().remoteAddress(),
                        settings.handshakeTimeout());
                server.metrics().webSocketRefused.increment();
                ctx.close();
            }
        }, settings.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest) || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(msg); // on close, the decoder hands over what it had: nobody to answer
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        boolean passed = false;
        try {
            if (!request.decoderResult().isSuccess()) {
                refuse(ctx, HttpResponseStatus.BAD_REQUEST, "bad request");
                return;
            }
            String path = new QueryStringDecoder(request.uri()).rawPath();
            if (path.equals(settings.path())) {
                if (!HttpMethod.GET.equals(request.method())) {
                    refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + request.method());
                    return;
                }
                String origin = request.headers().get(HttpHeaderNames.ORIGIN);
                if (origin != null && !allowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
                    refuse(ctx, HttpResponseStatus.FORBIDDEN, "origin " + LogText.escape(origin) + " not allowed");
                    return;
                }
                passed = true;
                ctx.fireChannelRead(request); // to the handshake
                return;
            }
            ServerWebSocket.Resource resource = settings.resources().get(path);
            boolean head = HttpMethod.HEAD.equals(request.method());
            if (resource == null) {
                respond(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        "not found\n".getBytes(StandardCharsets.UTF_8), head);
            } else if (!head && !HttpMethod.GET.equals(request.method())) {
                respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        "method not allowed\n".getBytes(StandardCharsets.UTF_8), false);
            } else {
                respond(ctx, HttpResponseStatus.OK, resource.contentType(), resource.body(), head);
            }
        } finally {
            if (!passed) {
                request.release();
            }
        }
    }

    /** Whether a page of {@code origin} may connect: its own origin, an allowed one, or any when so set. */
    private boolean allowed(String origin, String host) {
        if (settings.allowsAnyOrigin()) {
            return true;
        }
        String normalized = Origins.parse(origin);
        if (normalized == null) {
            return false; // "null" (a sandboxed page, a file) or garbage
        }
        return settings.allowedOrigins().contains(normalized) || normalized.equals(Origins.ofHost(secure, host));
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String why) {
        LOG.debug("{}: WebSocket handshake refused: {}", ctx.channel().remoteAddress(), why);
        server.metrics().webSocketRefused.increment();
        respond(ctx, status, "text/plain; charset=utf-8",
                (status.reasonPhrase() + "\n").getBytes(StandardCharsets.UTF_8), false);
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType,
            byte[] body, boolean head) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Content-Type-Options", "nosniff")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
