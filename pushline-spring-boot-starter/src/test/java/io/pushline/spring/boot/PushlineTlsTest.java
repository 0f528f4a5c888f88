package io.pushline.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.netty.PushServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code pushline.tls.*} serves TLS, and mutual TLS with a client CA; certificates are made at test time. */
class PushlineTlsTest {
    private static X509Bundle ca;
    private static X509Bundle server;
    private static X509Bundle client;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1", "pushline.protocol=commands");

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=Pushline Test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        server = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        client = new CertificateBuilder().subject("CN=alice").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
    }

    @Test
    void servesTlsFromPemFiles() throws IOException {
        runner.withPropertyValues("pushline.tls.certificate=" + server.toTempCertChainPem(),
                "pushline.tls.private-key=" + server.toTempPrivateKeyPem(), "pushline.tls.provider=jdk")
                .run(context -> {
                    try (SSLSocket socket = tlsSocket(context.getBean(PushServer.class).port(), null)) {
                        assertThat(roundTrip(socket, "SUB news")).isEqualTo("+OK");
                    }
                });
    }

    @Test
    void requiresClientCertificatesFromTheClientCa() throws IOException {
        runner.withPropertyValues("pushline.tls.certificate=" + server.toTempCertChainPem(),
                "pushline.tls.private-key=" + server.toTempPrivateKeyPem(),
                "pushline.tls.client-ca=" + ca.toTempRootCertPem()).run(context -> {
                    int port = context.getBean(PushServer.class).port();
                    try (SSLSocket socket = tlsSocket(port, client)) {
                        assertThat(roundTrip(socket, "SUB news")).isEqualTo("+OK");
                    }
                    try (SSLSocket anonymous = tlsSocket(port, null)) {
                        assertThatThrownBy(() -> roundTrip(anonymous, "SUB news")).isInstanceOf(IOException.class);
                    }
                });
    }

    private static SSLSocket tlsSocket(int port, X509Bundle clientCert) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = clientCert == null ? null : clientCert.toKeyManagerFactory();
        context.init(keys == null ? null : keys.getKeyManagers(), ca.toTrustManagerFactory().getTrustManagers(),
                null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends a command and reads its reply; null when the server closed the connection. */
    private static String roundTrip(SSLSocket socket, String command) throws IOException {
        socket.getOutputStream().write((command + "\r\n").getBytes(UTF_8));
        socket.getOutputStream().flush();
        String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8)).readLine();
        if (reply == null) {
            throw new IOException("closed by the server");
        }
        return reply;
    }
}
