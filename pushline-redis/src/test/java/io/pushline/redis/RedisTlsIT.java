package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.test.RedisServerExtension;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TLS to Redis ({@code rediss://}) with a caller-owned client that trusts a CA made at test time. */
class RedisTlsIT {
    private static final int TLS_PORT = freePort();
    private static final X509Bundle CA;
    private static final File CA_PEM;

    @RegisterExtension
    static final RedisServerExtension redis;

    static {
        try {
            CA = new CertificateBuilder().subject("CN=Redis Test CA").setIsCertificateAuthority(true).ecp256()
                    .buildSelfSigned();
            X509Bundle server = new CertificateBuilder().subject("CN=127.0.0.1").addSanIpAddress("127.0.0.1")
                    .ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(CA);
            CA_PEM = CA.toTempRootCertPem();
            redis = new RedisServerExtension(List.of("--tls-port", Integer.toString(TLS_PORT),
                    "--tls-cert-file", server.toTempCertChainPem().getPath(),
                    "--tls-key-file", server.toTempPrivateKeyPem().getPath(),
                    "--tls-ca-cert-file", CA_PEM.getPath(), "--tls-auth-clients", "no"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRedissUriCarriesPubSubOverTls() throws Exception {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(CA_PEM).build()).build());
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        RedisURI uri = RedisURI.create("rediss://127.0.0.1:" + TLS_PORT);
        try (RedisMessageSource source = RedisMessageSource.create(client, uri)) {
            source.start(new MessageListener() {
                @Override
                public void onMessage(Message message) {
                    received.add(message);
                }

                @Override
                public void onPatternMessage(String pattern, Message message) {
                    received.add(message);
                }
            });
            source.subscribe("tls").get(10, TimeUnit.SECONDS);
            redis.publish("tls", "encrypted".getBytes(StandardCharsets.UTF_8));
            Message m = received.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.payload()).isEqualTo("encrypted".getBytes(StandardCharsets.UTF_8));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
