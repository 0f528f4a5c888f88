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
import io.pushline.netty.client.PushClient;
import io.pushline.netty.internal.Tls;
import io.pushline.netty.internal.server.NettyClient;
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

    private PushServer startTls(X509Bundle cert, PushServerBuilder builder) throws IOException {
        return startTls(cert, builder, t -> t);
    }

    /** Client certificates from {@code trusted} required, on the given implementation (null: the default). */
    private static java.util.function.UnaryOperator<ServerTls.Builder> clientAuthBy(X509Bundle trusted,
            io.netty.handler.ssl.SslProvider provider) throws IOException {
        java.io.File pem = trusted.toTempRootCertPem();
        return t -> t.clientAuth(pem).provider(provider);
    }

    /** Starts a server with TLS from {@code cert}, its TLS settings adjusted by {@code tls}. */
    private PushServer startTls(X509Bundle cert, PushServerBuilder builder,
            java.util.function.UnaryOperator<ServerTls.Builder> tls) throws IOException {
        return closer.add(builder.host("127.0.0.1").port(0).tls(tls.apply(ServerTls.builder(
                cert.toTempCertChainPem(), cert.toTempPrivateKeyPem())).build()).build().start());
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
                .listener(new PushListener() {
                    @Override
                    public void clientConnected(Client client) {
                        principals.add(client.peerPrincipal().map(p -> p.getName()).orElse("(none)"));
                    }
                }), clientAuthBy(ca, null));
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
                .authorizer((client, principal, name, pattern, action) -> {
                    asked.add(principal + " " + name);
                    return "CN=alice".equals(principal) && name.equals("alice.inbox");
                }), clientAuthBy(ca, null));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, alice);
        assertThat(roundTrip(socket, "SUB alice.inbox")).isEqualTo("+OK");
        assertThat(asked).containsExactly("CN=alice alice.inbox");
    }

    /** Authenticates certificates by subject: alice is "alice-from-cert"; any other subject is refused. */
    private static final io.pushline.Authenticator BY_CERTIFICATE = new io.pushline.Authenticator() {
        @Override
        public java.util.concurrent.CompletableFuture<io.pushline.Authentication> authenticate(Client client,
                byte[] credentials) {
            return java.util.concurrent.CompletableFuture.completedFuture(null); // no tokens
        }

        @Override
        public java.util.concurrent.CompletableFuture<io.pushline.Authentication> authenticateCertificate(Client client,
                java.security.cert.X509Certificate[] chain) {
            String subject = chain[0].getSubjectX500Principal().getName();
            // decided on another thread, as a real check (a revocation list, a directory) would be
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                if (subject.equals("CN=alice")) {
                    return io.pushline.Authentication.of("alice-from-cert");
                }
                throw new IllegalStateException("unknown subject " + subject);
            });
        }
    };

    @Test
    void theAuthenticatorCanAuthenticateByCertificateAndFramesSentMeanwhileWait() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .authenticator(BY_CERTIFICATE)
                .authorizer((client, principal, name, pattern, action) -> {
                    asked.add(principal + " " + name);
                    return "alice-from-cert".equals(principal);
                }), clientAuthBy(ca, null));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, alice);
        // no AUTH: the certificate is the credential; SUB is sent at once, before the (async) decision
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        socket.getOutputStream().write("SUB alice.inbox\r\n".getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        assertThat(in.readLine()).isEqualTo("+OK");
        assertThat(asked).containsExactly("alice-from-cert alice.inbox");
        ((InMemoryMessageSource) pushServer.source()).publish("alice.inbox", "hi".getBytes(StandardCharsets.UTF_8))
                .join();
        assertThat(in.readLine()).as("pushes flow without AUTH").isEqualTo("MSG alice.inbox - hi");
        NettyClient onServer = (NettyClient) pushServer.clients().iterator().next();
        assertThat(onServer.principal()).contains("alice-from-cert");
    }

    @Test
    void aPushClientAuthenticatedByItsCertificateSubscribesWithoutAToken() throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .authenticator(BY_CERTIFICATE)
                .authorizer((client, principal, name, pattern, action) -> "alice-from-cert".equals(principal)),
                clientAuthBy(ca, null));
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        PushClient client = closer.add(PushClient.builder().host("localhost").port(pushServer.port())
                .tls(io.netty.handler.ssl.SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory())
                        .keyManager(alice.toKeyManagerFactory()).build())
                .onMessage(received::add).build());
        client.subscribe("alice.inbox");
        client.connect().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> pushServer.topics().contains("alice.inbox"));
        ((InMemoryMessageSource) pushServer.source()).publish("alice.inbox", "mtls".getBytes(StandardCharsets.UTF_8))
                .join();
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payload()).isEqualTo("mtls".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void onRawACertificateAuthenticatedClientGetsTheDefaultTopicsWithoutATokenFrame() throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.RAW).defaultTopics("updates")
                .authenticator(BY_CERTIFICATE), clientAuthBy(ca, null));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, alice);
        socket.startHandshake();
        await().atMost(Duration.ofSeconds(10)).until(() -> pushServer.topics().contains("updates"));
        ((InMemoryMessageSource) pushServer.source()).publish("updates", "raw".getBytes(StandardCharsets.UTF_8))
                .join();
        assertThat(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                .readLine()).isEqualTo("raw");
    }

    @Test
    void aCertificateTheAuthenticatorRefusesIsClosedWithUnauthorized() throws Exception {
        X509Bundle bob = new CertificateBuilder().subject("CN=bob").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        List<Client> connected = new CopyOnWriteArrayList<>();
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .authenticator(BY_CERTIFICATE).listener(new PushListener() {
                    @Override
                    public void clientConnected(Client client) {
                        connected.add(client);
                    }
                }), clientAuthBy(ca, null));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, bob);
        assertThat(roundTrip(socket, "SUB news")).isEqualTo("-ERR unauthorized");
        assertThat(socket.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        assertThat(connected).as("never registered").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> pushServer.metrics().connectionsClosed()
                .getOrDefault(io.pushline.CloseReason.UNAUTHORIZED, 0L) == 1L);
    }

    @Test
    void byDefaultACertificateDoesNotAuthenticateAndAuthIsStillNeeded() throws Exception {
        io.pushline.Authenticator tokensOnly = (client, token) -> java.util.concurrent.CompletableFuture
                .completedFuture(new String(token, StandardCharsets.UTF_8).equals("t0ken")
                        ? io.pushline.Authentication.of("tok") : null);
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS)
                .authenticator(tokensOnly), clientAuthBy(ca, null));
        SSLSocket withoutAuth = tlsSocket(pushServer.port(), ca, alice);
        assertThat(roundTrip(withoutAuth, "SUB news")).as("the certificate alone is not enough")
                .isEqualTo("-ERR unauthorized");
        SSLSocket withAuth = tlsSocket(pushServer.port(), ca, alice);
        BufferedReader in = new BufferedReader(new InputStreamReader(withAuth.getInputStream(),
                StandardCharsets.UTF_8));
        withAuth.getOutputStream().write("AUTH t0ken\r\nSUB news\r\n".getBytes(StandardCharsets.UTF_8));
        withAuth.getOutputStream().flush();
        assertThat(in.readLine()).isEqualTo("+OK");
        assertThat(in.readLine()).isEqualTo("+OK");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = io.netty.handler.ssl.SslProvider.class,
            names = {"JDK", "OPENSSL"})
    void mutualTlsWorksWithBothProvidersAndTheChosenOneIsUsed(io.netty.handler.ssl.SslProvider provider)
            throws Exception {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).as("netty-tcnative is on the test class path")
                .isTrue();
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS),
                clientAuthBy(ca, provider));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, alice);
        assertThat(roundTrip(socket, "SUB news")).isEqualTo("+OK");
        NettyClient client = (NettyClient) pushServer.clients().iterator().next();
        assertThat(client.peerPrincipal()).map(java.security.Principal::getName).contains("CN=alice");
        javax.net.ssl.SSLEngine engine = client.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class)
                .engine();
        if (provider == io.netty.handler.ssl.SslProvider.OPENSSL) {
            assertThat(engine).isInstanceOf(io.netty.handler.ssl.ReferenceCountedOpenSslEngine.class);
        } else {
            assertThat(engine).isNotInstanceOf(io.netty.handler.ssl.ReferenceCountedOpenSslEngine.class);
        }
        assertThat(Tls.implementation(pushServer.runtime().config().sslContext()))
                .startsWith(provider == io.netty.handler.ssl.SslProvider.OPENSSL ? "OpenSSL" : "the JDK");
    }

    /** Each renegotiation costs a full handshake of server CPU: refused on TLS 1.2 with either implementation. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = io.netty.handler.ssl.SslProvider.class,
            names = {"JDK", "OPENSSL"})
    void aClientInitiatedRenegotiationClosesTheConnection(io.netty.handler.ssl.SslProvider provider)
            throws Exception {
        PushServer pushServer = startTls(server, PushServer.builder().protocol(Protocol.COMMANDS),
                t -> t.provider(provider));
        SSLSocket socket = tlsSocket(pushServer.port(), ca, null);
        socket.setEnabledProtocols(new String[] {"TLSv1.2"});
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8));
        socket.getOutputStream().write("PING before\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(in.readLine()).isEqualTo("PONG before");
        String after;
        try {
            socket.startHandshake(); // on an established TLS 1.2 session: a new ClientHello, a renegotiation
            socket.getOutputStream().write("PING after\r\n".getBytes(StandardCharsets.UTF_8));
            after = in.readLine();
        } catch (IOException refused) {
            after = "(closed: " + refused.getClass().getSimpleName() + ")";
        }
        assertThat(after).as("the answer after renegotiating").isNotEqualTo("PONG after");
        await().atMost(Duration.ofSeconds(10)).until(() -> pushServer.metrics().connectionsClosed()
                .getOrDefault(io.pushline.CloseReason.TLS_HANDSHAKE, 0L) == 1L);
    }

    @Test
    void tlsSettingsAreCheckedWhenBuilt() {
        assertThatThrownBy(() -> ServerTls.builder(new java.io.File("missing.pem"), new java.io.File("missing.key"))
                .clientAuth(new java.io.File("ca.pem")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tls: cannot load");
        assertThatThrownBy(() -> ServerTls.of(io.netty.handler.ssl.SslContextBuilder.forClient().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a client context");
    }
}
