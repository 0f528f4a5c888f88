package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerTls;
import io.pushline.netty.internal.server.NettyClient;
import io.pushline.test.CloseAfterEach;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PushClient} over TLS with either implementation, against a TLS server (certificates made at test time). */
class PushClientTlsTest {
    private static X509Bundle ca;
    private static X509Bundle server;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=test-ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        server = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
    }

    private PushServer startTls(UnaryOperator<ServerTls.Builder> tls) throws IOException {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .tls(tls.apply(ServerTls.builder(server.toTempCertChainPem(), server.toTempPrivateKeyPem())).build())
                .build().start());
    }

    private static SslHandler tls(io.netty.channel.Channel channel) {
        return channel.pipeline().get(SslHandler.class);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = io.netty.handler.ssl.SslProvider.class,
            names = {"JDK", "OPENSSL"})
    void pushClientAndServerSpeakTlsWithTheChosenProvider(io.netty.handler.ssl.SslProvider provider)
            throws Exception {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).as("netty-tcnative is on the test class path")
                .isTrue();
        PushServer pushServer = startTls(t -> t.provider(provider));
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        PushClient client = closer.add(PushClient.builder().host("localhost").port(pushServer.port())
                .tls(ca.toTempRootCertPem()).tlsProvider(provider).onMessage(received::add).build());
        client.connect().get(10, TimeUnit.SECONDS);
        client.subscribe("news").get(10, TimeUnit.SECONDS);
        ((InMemoryMessageSource) pushServer.source()).publish("news", "either".getBytes(StandardCharsets.UTF_8))
                .join();
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payload()).isEqualTo("either".getBytes(StandardCharsets.UTF_8));

        javax.net.ssl.SSLEngine clientEngine = tls(client.currentChannel()).engine();
        NettyClient onServer = (NettyClient) pushServer.clients().iterator().next();
        javax.net.ssl.SSLEngine serverEngine = tls(onServer.channel()).engine();
        boolean openSsl = provider == io.netty.handler.ssl.SslProvider.OPENSSL;
        assertThat(clientEngine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine).isEqualTo(openSsl);
        assertThat(serverEngine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine).isEqualTo(openSsl);
        assertThat(clientEngine.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
    }


    @Test
    void byDefaultBothSidesUseOpenSslWhenItIsAvailable() throws Exception {
        PushServer pushServer = startTls(t -> t);
        PushClient client = closer.add(PushClient.builder().host("localhost").port(pushServer.port())
                .tls(ca.toTempRootCertPem()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        org.awaitility.Awaitility.await().until(() -> pushServer.clients().size() == 1); // after its handshake
        assertThat(tls(((NettyClient) pushServer.clients().iterator().next()).channel()).engine())
                .as("the server's engine").isInstanceOf(io.netty.handler.ssl.ReferenceCountedOpenSslEngine.class);
        assertThat(tls(client.currentChannel()).engine())
                .isInstanceOf(io.netty.handler.ssl.ReferenceCountedOpenSslEngine.class);
    }
}
