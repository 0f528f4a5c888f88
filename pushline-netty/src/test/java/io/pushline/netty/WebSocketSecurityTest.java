package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.CloseReason;
import io.pushline.InMemoryMessageSource;
import io.pushline.Framing;
import io.pushline.Protocol;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.WebSocketTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code wss://}, and per-message deflate with its bound, against real clients. */
class WebSocketSecurityTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void wssUsesTheServersTlsAndAPlainPortCanBeChosen() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=WS Test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle cert = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        ServerTls tls = ServerTls.builder(cert.toTempCertChainPem(), cert.toTempPrivateKeyPem()).build();
        InMemoryMessageSource source = InMemoryMessageSource.create();
        PushServer server = closer.add(PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS).tls(tls).webSocket(ServerWebSocket.builder().port(0).build()).build()
                .start());
        SSLContext trust = SSLContext.getInstance("TLS");
        trust.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        WebSocketTestClient c = closer.add(WebSocketTestClient.connect(
                URI.create("wss://localhost:" + server.webSocketPort() + "/ws"), Map.of(), trust));
        c.send("SUB s");
        assertThat(c.nextText()).startsWith("+OK");
        source.publish("s", "over tls".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(c.nextText()).isEqualTo("MSG s - over tls");

        PushServer plain = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .tls(tls).webSocket(ServerWebSocket.builder().port(0).plain().build()).build().start());
        WebSocketTestClient p = closer.add(WebSocketTestClient.connect(
                URI.create("ws://127.0.0.1:" + plain.webSocketPort() + "/ws")));
        p.send("PING");
        assertThat(p.nextText()).isEqualTo("PONG");
    }

    @Test
    void withCompressionPushesArriveAndACompressedBombIsRefusedAtTheFrameLimit() throws Exception {
        InMemoryMessageSource source = InMemoryMessageSource.create();
        PushServer server = closer.add(PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS).allowPublish(true).framing(Framing.lines(64 * 1024))
                .webSocket(ServerWebSocket.builder().port(0).compression(true).build()).build().start());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        closer.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Channel ch = deflateClient(group, server.webSocketPort(), received);
        await().until(() -> "open".equals(received.peek()));
        received.take();
        ch.writeAndFlush(new TextWebSocketFrame("SUB z"));
        assertThat(received.poll(10, TimeUnit.SECONDS)).startsWith("+OK");
        String big = "compressible ".repeat(2000); // 26 KB: compressed well under the limit, inflated under it too
        for (int i = 0; i < 3; i++) {
            source.publish("z", (i + big).getBytes(StandardCharsets.UTF_8)).join();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("MSG z - " + i + big);
        }
        // 1 MiB of one letter deflates to about a kilobyte: the server stops inflating at the maximum frame length
        ch.writeAndFlush(new TextWebSocketFrame("PUB z " + "a".repeat(1 << 20)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !ch.isActive());
        await().untilAsserted(() -> assertThat(server.metrics().connectionsClosed().get(CloseReason.BAD_FRAME))
                .isEqualTo(1));
        assertThat(received).noneMatch(m -> m.startsWith("MSG z - a"));
    }

    /** A Netty client that offers per-message deflate; puts "open", then each text message, in {@code received}. */
    private static Channel deflateClient(EventLoopGroup group, int port, BlockingQueue<String> received)
            throws InterruptedException {
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientCompressionHandler(0),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                        uri, WebSocketVersion.V13, null, true, new DefaultHttpHeaders(),
                                        1 << 20)),
                                new SimpleChannelInboundHandler<WebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent
                                                .HANDSHAKE_COMPLETE) {
                                            received.add("open");
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                                        if (frame instanceof TextWebSocketFrame) {
                                            received.add(((TextWebSocketFrame) frame).text());
                                        } else if (frame instanceof CloseWebSocketFrame) {
                                            received.add("close " + ((CloseWebSocketFrame) frame).statusCode());
                                        }
                                    }
                                });
                    }
                }).connect("127.0.0.1", port).sync().channel();
    }
}
