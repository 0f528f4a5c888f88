package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code pushline.jar} CLI as a user runs it: a separate JVM, real sockets, the embedded source fed from
 * standard input or a private redis-server, and SIGTERM to stop it.
 */
class CliIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static List<TcpTestClient> connect(int port, int n) {
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new TcpTestClient(port));
        }
        return clients;
    }

    private static void closeAll(List<TcpTestClient> clients) {
        for (TcpTestClient c : clients) {
            c.close();
        }
    }

    @Test
    void inMemoryServerPushesWhatIsTypedToFiftyClientsAndExitsZeroOnSigterm() throws Exception {
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--stats", "200ms")) {
            int port = cli.awaitPort();
            List<TcpTestClient> clients = connect(port, 50);
            try {
                // type "ready" lines until every client has seen one: then all of them are subscribed
                java.util.concurrent.atomic.AtomicBoolean typing = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread typist = new Thread(() -> {
                    try {
                        for (int n = 0; typing.get() && n < 1_000; n++) {
                            cli.type("ready " + n);
                            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                typist.start();
                for (TcpTestClient c : clients) {
                    assertThat(c.readLine()).startsWith("ready");
                }
                typing.set(false);
                typist.join();
                cli.type("follow the white rabbit");
                for (TcpTestClient c : clients) {
                    String line;
                    do {
                        line = c.readLine();
                    } while (line.startsWith("ready"));
                    assertThat(line).isEqualTo("follow the white rabbit");
                }
                clients.get(10).reset(); // kill one client abruptly
                cli.type("still here");
                for (int i = 0; i < clients.size(); i++) {
                    if (i != 10) {
                        assertThat(clients.get(i).readLine()).isEqualTo("still here");
                    }
                }
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cli.stdout().stream()
                        .anyMatch(l -> l.startsWith("stats: connections=49 ") && l.contains("source=UP")));
                assertThat(cli.terminate(Duration.ofSeconds(15))).isZero();
                assertThat(clients.get(0).closedByServer()).isTrue();
                assertThat(String.join("\n", cli.stderr())).doesNotContain("LEAK");
            } finally {
                closeAll(clients);
            }
        }
    }

    @Test
    void redisServerRelaysPublishesToFiftyClientsAndEchoes() throws Exception {
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--host", "127.0.0.1",
                "--redis", redis.uri(), "--echo")) {
            int port = cli.awaitPort();
            List<TcpTestClient> clients = connect(port, 50);
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> redis.channels().contains("updates"));
                byte[] rabbit = "follow the white rabbit".getBytes(StandardCharsets.UTF_8);
                assertThat(redis.publish("updates", rabbit)).isEqualTo(1);
                for (TcpTestClient c : clients) {
                    assertThat(c.readLine()).isEqualTo("follow the white rabbit");
                }
                clients.get(7).reset();
                clients.get(8).close();
                redis.publish("updates", "still here".getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < clients.size(); i++) {
                    if (i != 7 && i != 8) {
                        assertThat(clients.get(i).readLine()).isEqualTo("still here");
                    }
                }
                clients.get(0).send("echo me\n");
                assertThat(clients.get(0).readLine()).isEqualTo("echo me");
                assertThat(cli.terminate(Duration.ofSeconds(15))).isZero();
                assertThat(String.join("\n", cli.stderr())).doesNotContain("LEAK");
            } finally {
                closeAll(clients);
            }
        }
    }

    @Test
    void clientSubscribesAndPrintsTopicAndPayload() throws Exception {
        try (CliProcess server = new CliProcess("server", "--port", "0", "--host", "127.0.0.1",
                "--protocol", "commands", "--allow-publish")) {
            int port = server.awaitPort();
            try (CliProcess client = new CliProcess("client", "127.0.0.1:" + port, "--sub", "news", "--psub", "stock.*");
                    TcpTestClient publisher = new TcpTestClient(port)) {
                // publish until the client process (subscribing in the background) prints it
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    publisher.send("PUB news hello world\r\n");
                    assertThat(publisher.readLine()).isEqualTo("+OK");
                    return client.stdout().contains("news hello world");
                });
                publisher.send("PUB other not for this client\r\nPUB stock.ACME 42.10\r\nPUB news end\r\n");
                for (int i = 0; i < 3; i++) {
                    assertThat(publisher.readLine()).isEqualTo("+OK");
                }
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> client.stdout().contains("news end"));
                assertThat(client.stdout()).contains("stock.ACME 42.10").doesNotContain("other not for this client");
                assertThat(client.terminate(Duration.ofSeconds(15))).isZero();
            }
            assertThat(server.terminate(Duration.ofSeconds(15))).isZero();
        }
    }

    @Test
    void clientResumesFromWhereItStoppedOnAServerWithHistory() throws Exception {
        try (CliProcess server = new CliProcess("server", "--port", "0", "--host", "127.0.0.1",
                "--protocol", "commands", "--allow-publish", "--history", "--history-size", "100")) {
            int port = server.awaitPort();
            assertThat(String.join("\n", server.stdout())).contains("with history of 100 messages");
            String position;
            try (TcpTestClient publisher = new TcpTestClient(port)) {
                try (CliProcess first = new CliProcess("client", "127.0.0.1:" + port, "--sub", "news")) {
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                        publisher.send("PUB news ready\r\n");
                        assertThat(publisher.readLine()).isEqualTo("+OK");
                        return first.stdout().contains("news ready");
                    });
                    publisher.send("PUB news two\r\n");
                    assertThat(publisher.readLine()).isEqualTo("+OK");
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                            .until(() -> first.stdout().contains("news two"));
                    assertThat(first.terminate(Duration.ofSeconds(15))).isZero();
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(first.stderr()).anyMatch(line -> line.startsWith("position news ")));
                    position = first.stderr().stream().filter(line -> line.startsWith("position news "))
                            .findFirst().orElseThrow().substring("position news ".length());
                }
                publisher.send("PUB news three\r\nPUB news four\r\n"); // while no client listens
                assertThat(publisher.readLine()).isEqualTo("+OK");
                assertThat(publisher.readLine()).isEqualTo("+OK");
            }
            try (CliProcess resumed = new CliProcess("client", "127.0.0.1:" + port, "--sub", "news", "--from",
                    position);
                    CliProcess latest = new CliProcess("client", "127.0.0.1:" + port, "--sub", "news", "--last", "1");
                    CliProcess tooOld = new CliProcess("client", "127.0.0.1:" + port, "--sub", "news", "--from",
                            "1.NoSuchEpoch")) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> resumed.stdout().contains("news four") && latest.stdout().contains("news four")
                                && tooOld.stderr().contains("lost news"));
                assertThat(resumed.stderr()).contains("recovered news 2");
                assertThat(resumed.stdout()).containsExactly("news three", "news four");
                assertThat(latest.stderr()).contains("recovered news 1");
                assertThat(latest.stdout()).containsExactly("news four");
                assertThat(tooOld.stdout()).isEmpty();
                for (CliProcess client : List.of(resumed, latest, tooOld)) {
                    assertThat(client.terminate(Duration.ofSeconds(15))).isZero();
                }
            }
            assertThat(server.terminate(Duration.ofSeconds(15))).isZero();
            assertThat(String.join("\n", server.stderr())).doesNotContain("LEAK");
        }
    }

    /** A test CA, a server certificate for localhost and a client certificate, made at run time. */
    private record Pki(io.netty.pkitesting.X509Bundle ca, io.netty.pkitesting.X509Bundle server,
            io.netty.pkitesting.X509Bundle client) {
        static Pki make(String clientSubject) throws Exception {
            io.netty.pkitesting.X509Bundle ca = new io.netty.pkitesting.CertificateBuilder().subject("CN=Test CA")
                    .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
            io.netty.pkitesting.X509Bundle server = new io.netty.pkitesting.CertificateBuilder()
                    .subject("CN=localhost").addSanDnsName("localhost").ecp256().addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
            io.netty.pkitesting.X509Bundle client = new io.netty.pkitesting.CertificateBuilder()
                    .subject(clientSubject).ecp256().addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
            return new Pki(ca, server, client);
        }

        String serverChainPem() throws Exception {
            return server.toTempCertChainPem().getPath();
        }

        String serverKeyPem() throws Exception {
            return server.toTempPrivateKeyPem().getPath();
        }
    }

    @Test
    void serverAndClientSpeakMutualTls() throws Exception {
        Pki pki = Pki.make("CN=cli");
        io.netty.pkitesting.X509Bundle ca = pki.ca();
        io.netty.pkitesting.X509Bundle clientCert = pki.client();
        String caPem = ca.toTempRootCertPem().getPath();
        try (CliProcess server = new CliProcess("server", "--port", "0", "--protocol", "commands", "--allow-publish",
                "--tls-cert", pki.serverChainPem(), "--tls-key", pki.serverKeyPem(), "--tls-ca", caPem)) {
            int port = server.awaitPort();
            try (CliProcess client = new CliProcess("client", "localhost:" + port, "--sub", "news", "--tls-ca", caPem,
                    "--tls-cert", clientCert.toTempCertChainPem().getPath(),
                    "--tls-key", clientCert.toTempPrivateKeyPem().getPath());
                    io.pushline.netty.client.PushClient publisher = io.pushline.netty.client.PushClient.builder().host("localhost")
                            .port(port).tls(io.netty.handler.ssl.SslContextBuilder.forClient()
                                    .trustManager(ca.toTempRootCertPem())
                                    .keyManager(clientCert.toTempCertChainPem(), clientCert.toTempPrivateKeyPem())
                                    .build()).build()) {
                publisher.connect().join();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    publisher.publish("news", "over tls".getBytes(StandardCharsets.UTF_8)).join();
                    return client.stdout().contains("news over tls");
                });
                assertThat(client.terminate(Duration.ofSeconds(15))).isZero();
            }
            assertThat(server.terminate(Duration.ofSeconds(15))).isZero();
        }
    }

    @Test
    void consoleModeSpeaksMutualTls() throws Exception {
        Pki pki = Pki.make("CN=console");
        io.netty.pkitesting.X509Bundle ca = pki.ca();
        io.netty.pkitesting.X509Bundle clientCert = pki.client();
        String caPem = ca.toTempRootCertPem().getPath();
        try (CliProcess server = new CliProcess("server", "--port", "0", "--protocol", "commands", "--allow-publish",
                "--tls-cert", pki.serverChainPem(), "--tls-key", pki.serverKeyPem(), "--tls-ca", caPem,
                "--tls-provider", "openssl")) {
            int port = server.awaitPort();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> String.join("\n", server.stderr()).contains("TLS by OpenSSL"));
            try (CliProcess console = new CliProcess("client", "localhost:" + port, "--tls-ca", caPem,
                    "--tls-cert", clientCert.toTempCertChainPem().getPath(),
                    "--tls-key", clientCert.toTempPrivateKeyPem().getPath())) {
                console.type("SUB news");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> console.stdout().contains("+OK"));
                console.type("PUB news typed over tls");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> console.stdout().contains("MSG news - typed over tls"));
            }
            assertThat(server.terminate(Duration.ofSeconds(15))).isZero();
        }
    }

    @Test
    void subscriberAuthenticatesWithAToken() throws Exception {
        io.pushline.Authenticator secret = (c, token) -> java.util.concurrent.CompletableFuture.completedFuture(
                new String(token, StandardCharsets.UTF_8).equals("s3cret") ? io.pushline.Authentication.of("cli") : null);
        io.pushline.InMemoryMessageSource source = io.pushline.InMemoryMessageSource.create();
        try (io.pushline.netty.PushServer server = io.pushline.netty.PushServer.builder().port(0).host("127.0.0.1")
                .source(source).protocol(io.pushline.Protocol.COMMANDS).authenticator(secret).build().start();
                CliProcess client = new CliProcess("client", "127.0.0.1:" + server.port(), "--sub", "news",
                        "--auth", "s3cret")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                source.publish("news", "for cli".getBytes(StandardCharsets.UTF_8)).join();
                return client.stdout().contains("news for cli");
            });
            assertThat(client.terminate(Duration.ofSeconds(15))).isZero();
        }
        try (CliProcess badToken = new CliProcess("client", "127.0.0.1:1", "--auth", "two words", "--sub", "x");
                CliProcess rawSub = new CliProcess("client", "127.0.0.1:1", "--protocol", "raw", "--sub", "x")) {
            assertThat(badToken.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(String.join("\n", badToken.stderr())).contains("--auth");
            assertThat(rawSub.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        }
    }

    @Test
    void consoleModeAuthenticatesWithATokenOnCommandsAndRaw() throws Exception {
        io.pushline.Authenticator secret = (c, token) -> java.util.concurrent.CompletableFuture.completedFuture(
                new String(token, StandardCharsets.UTF_8).equals("s3cret") ? io.pushline.Authentication.of("console") : null);
        io.pushline.InMemoryMessageSource source = io.pushline.InMemoryMessageSource.create();
        try (io.pushline.netty.PushServer server = io.pushline.netty.PushServer.builder().port(0).host("127.0.0.1")
                .source(source).protocol(io.pushline.Protocol.COMMANDS).authenticator(secret).build().start()) {
            try (CliProcess console = new CliProcess("client", "127.0.0.1:" + server.port(), "--protocol",
                    "commands", "--auth", "s3cret")) {
                console.type("SUB news");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> console.stdout().stream().filter("+OK"::equals).count() == 2); // AUTH, SUB
                source.publish("news", "for console".getBytes(StandardCharsets.UTF_8)).join();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> console.stdout().contains("MSG news - for console"));
            }
            try (CliProcess refused = new CliProcess("client", "127.0.0.1:" + server.port(), "--protocol",
                    "commands", "--auth", "wrong")) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> refused.stdout().contains("-ERR unauthorized")
                                && refused.stderr().contains("connection closed by the server"));
                refused.type("SUB news");
                assertThat(refused.awaitExit(Duration.ofSeconds(10))).as("the server closed it").isEqualTo(1);
            }
        }
        io.pushline.InMemoryMessageSource rawSource = io.pushline.InMemoryMessageSource.create();
        try (io.pushline.netty.PushServer server = io.pushline.netty.PushServer.builder().port(0).host("127.0.0.1")
                .source(rawSource).protocol(io.pushline.Protocol.RAW).defaultTopics("updates").authenticator(secret)
                .build().start();
                CliProcess console = new CliProcess("client", "127.0.0.1:" + server.port(), "--auth", "s3cret")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                rawSource.publish("updates", "raw for console".getBytes(StandardCharsets.UTF_8)).join();
                return console.stdout().contains("raw for console");
            });
            assertThat(server.clients()).hasSize(1);
        }
    }

    @Test
    void badArgumentsAreOneLineAndExitTwo() throws Exception {
        try (CliProcess cli = new CliProcess("server", "--framing", "smoke-signals")) {
            assertThat(cli.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(cli.stderr()).singleElement().asString().contains("smoke-signals")
                    .contains("see 'pushline server --help'");
        }
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--tls-provider", "jdk")) {
            assertThat(cli.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(String.join("\n", cli.stderr())).contains("--tls-provider needs --tls-cert");
        }
    }

    @Test
    void aSubscriberThatCannotConnectSaysWhyAndKeepsTrying() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed
        }
        try (CliProcess client = new CliProcess("client", "localhost:" + closed, "--sub", "updates")) {
            String expected = "connection disconnected: cannot connect to localhost:" + closed + " (";
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> client.stderr().stream()
                    .filter(line -> line.startsWith(expected) && line.endsWith("); retrying")).count() >= 2);
            assertThat(client.stderr()).noneMatch(line -> line.contains("\tat ") || line.contains("Exception:"));
            assertThat(client.terminate(Duration.ofSeconds(15))).isZero();
        }
    }
}
