package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TLS and mutual TLS with certificates made at test time (no private key is committed). */
class TlsTest {
    private static X509Bundle ca;
    private static X509Bundle otherCa;
    private static X509Bundle server;
    private static X509Bundle expiredServer;
    private static X509Bundle selfSignedServer;
    private static X509Bundle alice;
    private static X509Bundle mallory;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=Pushline Test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        otherCa = new CertificateBuilder().subject("CN=Someone Else's CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        CertificateBuilder serverCert = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").ecp256().addExtendedKeyUsageServerAuth();
        server = serverCert.copy().buildIssuedBy(ca);
        expiredServer = serverCert.copy().notBefore(Instant.now().minus(Duration.ofDays(30)))
                .notAfter(Instant.now().minus(Duration.ofDays(1))).buildIssuedBy(ca);
        selfSignedServer = serverCert.copy().setIsCertificateAuthority(true).buildSelfSigned(); // trusted by nobody
        alice = new CertificateBuilder().subject("CN=alice").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        mallory = new CertificateBuilder().subject("CN=mallory").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(otherCa);
    }

    private PushServer startTls(X509Bundle cert, PushServer.Builder builder) throws IOException {
        return closer.add(builder.host("127.0.0.1").port(0)
                .tls(cert.toTempCertChainPem(), cert.toTempPrivateKeyPem()).build().start());
    }

    /** A JDK TLS socket trusting {@code trusted}, presenting {@code clientCert} when given. */
    private SSLSocket tlsSocket(int port, X509Bundle trusted, X509Bundle clientCert) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = clientCert == null ? null : clientCert.toKeyManagerFactory();
        TrustManagerFactory trust = trusted.toTrustManagerFactory();
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        closer.add(socket);
        socket.setSoTimeout(10_000);
        var params = socket.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(params);
        return socket;
    }

    private static String roundTrip(SSLSocket socket, String command) throws IOException {
        socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void pushClientSubscribesAndReceivesOverTls() throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS));
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        PushClient client = closer.add(PushClient.builder().host("localhost").port(pushServer.port())
                .tls(ca.toTempRootCertPem()).onMessage(received::add).build());
        client.connect().join();
        client.subscribe("news").get(10, TimeUnit.SECONDS);
        ((InMemoryMessageSource) pushServer.source()).publish("news", "secret".getBytes(StandardCharsets.UTF_8))
                .join();
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payload()).isEqualTo("secret".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainTcpToTheTlsPortFailsCleanly() throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS));
        TcpTestClient plain = closer.add(new TcpTestClient(pushServer.port()));
        plain.send("SUB news\r\nPING\r\n");
        assertThat(plain.closedByServerAfterDraining(64 * 1024)).isTrue();
        await().until(() -> pushServer.metrics().connectionsClosed().get(CloseReason.TLS_HANDSHAKE) == 1);
        assertThat(pushServer.metrics().connectionsOpened()).isZero(); // hooks never saw it
        assertThat(roundTrip(tlsSocket(pushServer.port(), ca, null), "PING")).isEqualTo("PONG");
    }

    @Test
    void aServerCertificateFromAnotherCaIsRejected() throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder());
        SSLSocket socket = tlsSocket(pushServer.port(), otherCa, null);
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
    }

    @Test
    void anExpiredServerCertificateIsRejected() throws Exception {
        PushServer pushServer = startTls(expiredServer, PushServer.builder());
        SSLSocket socket = tlsSocket(pushServer.port(), ca, null);
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
    }

    @Test
    void aSelfSignedServerCertificateIsRejected() throws Exception {
        PushServer pushServer = startTls(selfSignedServer, PushServer.builder());
        SSLSocket socket = tlsSocket(pushServer.port(), ca, null);
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
    }

    @Test
    void mutualTlsAdmitsOnlyCertificatesFromTheTrustedCaAndShowsThePrincipal() throws Exception {
        List<String> principals = new CopyOnWriteArrayList<>();
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .tlsClientAuth(ca.toTempRootCertPem()).listener(new PushListener() {
                    @Override
                    public void clientConnected(Client client) {
                        principals.add(client.peerPrincipal().map(p -> p.getName()).orElse("(none)"));
                    }
                }));
        assertThat(roundTrip(tlsSocket(pushServer.port(), ca, alice), "PING mtls")).isEqualTo("PONG mtls");
        assertThat(principals).containsExactly("CN=alice");

        SSLSocket noCertificate = tlsSocket(pushServer.port(), ca, null);
        assertThatThrownBy(() -> {
            noCertificate.startHandshake();
            roundTrip(noCertificate, "PING"); // TLS 1.3 reports the server's refusal on the first read
        }).isInstanceOf(IOException.class);
        SSLSocket wrongCa = tlsSocket(pushServer.port(), ca, mallory);
        assertThatThrownBy(() -> {
            wrongCa.startHandshake();
            roundTrip(wrongCa, "PING");
        }).isInstanceOf(IOException.class);
        await().until(() -> pushServer.metrics().connectionsClosed().get(CloseReason.TLS_HANDSHAKE) == 2);
        assertThat(principals).containsExactly("CN=alice");
    }

    @Test
    void theCertificatePrincipalReachesTheAuthorizer() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .tlsClientAuth(ca.toTempRootCertPem()).authorizer((client, principal, name, pattern, action) -> {
                    asked.add(principal + " " + name);
                    return "CN=alice".equals(principal) && name.equals("alice.inbox");
                }));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, alice);
        assertThat(roundTrip(socket, "SUB alice.inbox")).isEqualTo("+OK");
        assertThat(asked).containsExactly("CN=alice alice.inbox");
    }

    @Test
    void tlsSettingsAreCheckedAtBuild() {
        assertThatThrownBy(() -> PushServer.builder().tlsClientAuth(new java.io.File("ca.pem")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tlsClientAuth needs tls");
        assertThatThrownBy(() -> PushServer.builder().tls(new java.io.File("missing.pem"),
                new java.io.File("missing.key")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tls: cannot load");
    }
}
