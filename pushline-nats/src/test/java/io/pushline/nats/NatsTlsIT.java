package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Options;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TLS to NATS ({@code --tls}) with an {@code SSLContext} that trusts a CA made at test time. */
class NatsTlsIT {
    private static final X509Bundle CA;

    @RegisterExtension
    static final NatsServerExtension nats;

    static {
        try {
            CA = new CertificateBuilder().subject("CN=NATS Test CA").setIsCertificateAuthority(true).ecp256()
                    .buildSelfSigned();
            X509Bundle server = new CertificateBuilder().subject("CN=127.0.0.1").addSanIpAddress("127.0.0.1")
                    .ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(CA);
            nats = new NatsServerExtension(List.of("--tls", "--tlscert", server.toTempCertChainPem().getPath(),
                    "--tlskey", server.toTempPrivateKeyPem().getPath()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private static SSLContext trustingTheCa() throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, CA.toTrustManagerFactory().getTrustManagers(), null);
        return ssl;
    }

    @Test
    void subjectsAndHistoryTravelOverTls() throws Exception {
        SSLContext ssl = trustingTheCa();
        String url = "tls://127.0.0.1:" + nats.port();
        HistoryOptions history = HistoryOptions.builder().topics(t -> t.startsWith("h.")).build();
        NatsMessageSource source = closer.add(NatsMessageSource.builder().url(url).options(o -> o.sslContext(ssl))
                .history(history).build());
        RecordingListener received = new RecordingListener();
        source.start(received);
        source.subscribe("tls").get(10, TimeUnit.SECONDS);
        source.subscribe("h.tls").get(10, TimeUnit.SECONDS);
        NatsTestClient outside = closer.add(new NatsTestClient(new Options.Builder().server(url).sslContext(ssl)));
        outside.publish("tls", "encrypted".getBytes(StandardCharsets.UTF_8));
        assertThat(received.next().message.payload()).isEqualTo("encrypted".getBytes(StandardCharsets.UTF_8));
        NatsPublisher publisher = closer.add(NatsPublisher.builder().url(url).options(o -> o.sslContext(ssl))
                .history(history).build());
        Position p = publisher.publishWithPosition("h.tls", "kept".getBytes(StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS);
        assertThat(received.next().message.position()).isEqualTo(p);
    }

    @Test
    void aServerCertificateNobodyTrustsFailsAtStart() {
        NatsMessageSource source = closer.add(NatsMessageSource.create("tls://127.0.0.1:" + nats.port()));
        assertThatThrownBy(() -> source.start(new RecordingListener())).isInstanceOf(SourceException.class);
    }
}
