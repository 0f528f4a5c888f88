package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Options;
import io.pushline.HistoryOptions;
import io.pushline.SourceException;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** User and password, and a token, on the NATS side: in the URL or through jnats's options. */
class NatsAuthIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension(List.of("--user", "pushline", "--pass",
            "s3cret"));

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private void roundTrip(NatsMessageSource source) throws Exception {
        RecordingListener received = new RecordingListener();
        closer.add(source);
        source.start(received);
        source.subscribe("secure").get(10, TimeUnit.SECONDS);
        NatsTestClient outside = closer.add(new NatsTestClient(new Options.Builder().server(nats.url())
                .userInfo("pushline", "s3cret")));
        outside.publish("secure", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(received.next().message.payload()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aUserAndPasswordInTheUrlAuthenticate() throws Exception {
        roundTrip(NatsMessageSource.create("nats://pushline:s3cret@127.0.0.1:" + nats.port()));
    }

    @Test
    void credentialsThroughTheOptionsAuthenticateAndHistoryWorksWithThem() throws Exception {
        NatsMessageSource source = NatsMessageSource.builder().url(nats.url())
                .options(o -> o.userInfo("pushline", "s3cret")).history(HistoryOptions.defaults()).build();
        roundTrip(source);
        NatsPublisher publisher = closer.add(NatsPublisher.builder().url(nats.url())
                .options(o -> o.userInfo("pushline", "s3cret")).history(HistoryOptions.defaults()).build());
        assertThat(publisher.publishWithPosition("secure.h", new byte[] {1}).get(10, TimeUnit.SECONDS).offset())
                .isEqualTo(1);
    }

    @Test
    void aWrongPasswordFailsAtStartAndNeverPrintsIt() {
        NatsMessageSource source = closer.add(NatsMessageSource.create("nats://pushline:wrong@127.0.0.1:"
                + nats.port()));
        assertThat(source.toString()).doesNotContain("wrong");
        assertThatThrownBy(() -> source.start(new RecordingListener())).isInstanceOf(SourceException.class)
                .hasMessageNotContaining("wrong");
    }

    @Test
    void aTokenAuthenticates() throws Exception {
        nats.restartWith(List.of("--auth", "t0ken"));
        try {
            roundTripWithToken();
        } finally {
            nats.restartWith(List.of("--user", "pushline", "--pass", "s3cret"));
        }
    }

    private void roundTripWithToken() throws Exception {
        RecordingListener received = new RecordingListener();
        NatsMessageSource source = closer.add(NatsMessageSource.create("nats://t0ken@127.0.0.1:" + nats.port()));
        source.start(received);
        source.subscribe("secure").get(10, TimeUnit.SECONDS);
        NatsTestClient outside = closer.add(new NatsTestClient(new Options.Builder().server(nats.url())
                .token("t0ken".toCharArray())));
        outside.publish("secure", "token".getBytes(StandardCharsets.UTF_8));
        assertThat(received.next().message.payload()).isEqualTo("token".getBytes(StandardCharsets.UTF_8));
    }
}
