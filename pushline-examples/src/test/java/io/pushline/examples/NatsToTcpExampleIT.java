package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.nats.NatsMessageSource;
import io.pushline.nats.NatsPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import io.pushline.test.TcpTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link NatsToTcpExample} run as a user would, and NATS wildcards as TCP clients see them. */
class NatsToTcpExampleIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void relaysTheUpdatesSubjectToEveryClientAndEchoes() {
        PushServer server = closer.add(NatsToTcpExample.start(nats.url(), 0));
        TcpTestClient a = closer.add(new TcpTestClient(server.port()));
        TcpTestClient b = closer.add(new TcpTestClient(server.port()));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == 2
                && server.clients().stream().allMatch(c -> server.topics(c).contains("updates")));
        NatsPublisher publisher = closer.add(NatsPublisher.create(nats.url()));
        publisher.publish("updates", "follow the white rabbit").join();
        assertThat(a.readLine()).isEqualTo("follow the white rabbit");
        assertThat(b.readLine()).isEqualTo("follow the white rabbit");
        a.send("knock knock\r\n");
        assertThat(a.readLine()).isEqualTo("knock knock");
    }

    @Test
    void psubTakesNatsWildcardsOneTokenOrTheTail() {
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(NatsMessageSource.create(nats.url())).build().start());
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("PSUB news.*\r\n");
        assertThat(c.readLine()).startsWith("+OK");
        c.send("PSUB a.>\r\n");
        assertThat(c.readLine()).startsWith("+OK");
        c.send("PSUB news.?\r\n"); // a literal token in NATS, not a one-character wildcard
        assertThat(c.readLine()).startsWith("+OK");
        NatsPublisher publisher = closer.add(NatsPublisher.create(nats.url()));
        for (String subject : new String[] {"news.eu.fr", "a", "news.eu", "a.b.c", "news.x"}) {
            publisher.publish(subject, "on " + subject).join();
        }
        // news.eu.fr (two tokens after news) and a (nothing after a) match nothing
        assertThat(c.readLine()).isEqualTo("MSG news.eu - on news.eu");
        assertThat(c.readLine()).isEqualTo("MSG a.b.c - on a.b.c");
        assertThat(c.readLine()).isEqualTo("MSG news.x - on news.x");
        c.send("PSUB bad.>.tail\r\n");
        assertThat(c.readLine()).startsWith("-ERR");
    }
}
