package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.pushline.netty.ServerWebSocket;
import java.util.concurrent.TimeUnit;

/**
 * Builds each WebSocket connection's pipeline up to the upgrade: TLS, the connection limits, bounded HTTP/1.1
 * decoding, the {@link WebSocketGate} (origin, path, static files, handshake deadline), Netty's WebSocket protocol
 * handler and the {@link WebSocketBridge}, which adds the rest of the connection once the upgrade completed.
 */
final class WebSocketChannelInitializer extends ChannelInitializer<Channel> {
    /** The longest request line and headers of a handshake. */
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    /** The body of a handshake or static-file request: none is expected. */
    static final int MAX_REQUEST_BODY = 8192;
    static final String PROTOCOL = "wsProtocol";
    static final String GATE = "wsGate";
    static final String BRIDGE = "wsBridge";

    private final ServerContext server;
    private final PushChannelInitializer tcp;
    private final ServerWebSocket settings;
    private final SslContext sslContext;

    WebSocketChannelInitializer(ServerContext server, PushChannelInitializer tcp, SslContext sslContext) {
        this.server = server;
        this.tcp = tcp;
        this.settings = server.config().webSocket();
        this.sslContext = sslContext;
    }

    @Override
    protected void initChannel(Channel ch) {
        Integer partition = server.partitions().get(ch.eventLoop());
        if (partition == null) {
            throw new IllegalStateException("channel registered on an event loop outside the server's group");
        }
        NettyClient client = new NettyClient(tcp.nextId(), ch, partition, server);
        ChannelPipeline p = ch.pipeline();
        if (sslContext != null) {
            SslHandler tls = sslContext.newHandler(ch.alloc());
            p.addLast("tlsGuard", new TlsRenegotiationGuard(client, tls));
            p.addLast(PushChannelInitializer.TLS, tls);
        }
        p.addLast("http", new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES).setMaxChunkSize(MAX_REQUEST_BODY)));
        if (!server.limits().tryAcquire(ch.remoteAddress())) {
            server.metrics().connectionsRefused.increment();
            server.listener().connectionRefused(ch.remoteAddress());
            p.addLast("refuse", new RefuseHandler(settings.handshakeTimeout().toMillis()));
            return;
        }
        ch.closeFuture().addListener(f -> server.limits().release(ch.remoteAddress()));
        int maxFrame = server.config().framing().maxFrameLength();
        p.addLast("httpAggregator", new HttpObjectAggregator(MAX_REQUEST_BODY));
        if (settings.compression()) {
            // inflating what a client sends is bounded like a frame: no decompression bomb
            p.addLast("wsCompression", new WebSocketServerCompressionHandler(maxFrame));
        }
        p.addLast(GATE, new WebSocketGate(server, settings, sslContext != null));
        p.addLast(PROTOCOL, new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(settings.path())
                .checkStartsWith(true) // the gate has matched the path exactly, query string aside
                .handshakeTimeoutMillis(settings.handshakeTimeout().toMillis())
                .allowExtensions(settings.compression())
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrame) // refused from the frame's header, before buffering
                        .expectMaskedFrames(true)
                        .allowMaskMismatch(false)
                        .allowExtensions(settings.compression())
                        .closeOnProtocolViolation(true)
                        .withUTF8Validator(true)
                        .build())
                .build()));
        p.addLast(BRIDGE, new WebSocketBridge(server, client, settings.compression()));
    }

    /** Refuses a connection over the limits: {@code 503 Service Unavailable} to its first request, then close. */
    private static final class RefuseHandler extends SimpleChannelInboundHandler<HttpRequest> {
        private final long timeoutMillis;

        RefuseHandler(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // one that sends no request does not keep its descriptor past the handshake deadline
            ctx.executor().schedule(() -> ctx.close(), timeoutMillis, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SERVICE_UNAVAILABLE);
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
