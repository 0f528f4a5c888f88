package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A relay of a Redis channel to raw TCP clients, end to end: a private redis-server, the Redis source, real TCP clients. */
class RedisPushServerIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** Starts from a clean broker: what the previous test subscribed is gone (its server closed after it). */
    @BeforeEach
    void brokerHasNoSubscriptions() {
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().isEmpty());
    }

    private PushServer start(Framing framing, String... topics) {
        PushServer server = PushServer.builder().host("127.0.0.1").port(0)
                .source(RedisMessageSource.create(redis.uri())).framing(framing).defaultTopics(topics)
                .onClientFrame(ClientHandlers.echo()).build().start();
        closer.add(server);
        return server;
    }

    private TcpTestClient connect(PushServer server) {
        TcpTestClient client = new TcpTestClient(server.port());
        closer.add(client);
        return client;
    }

    private static void awaitSubscribed(PushServer server, int clients, String topic) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == clients
                && server.clients().stream().allMatch(c -> server.topics(c).contains(topic))
                && redis.channels().contains(topic));
    }

    @Test
    void aHundredClientsEachGetEveryMessageOfAPublishBurstInOrder() throws Exception {
        PushServer server = RedisToTcpExample.start(redis.uri(), 0);
        closer.add(server);
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clients.add(connect(server));
        }
        awaitSubscribed(server, 100, "updates");
        int burst = 1_000;
        for (int i = 0; i < burst; i++) {
            redis.publish("updates", ("update " + i).getBytes(StandardCharsets.UTF_8));
        }
        ExecutorService readers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> inOrder = new ArrayList<>();
            for (TcpTestClient client : clients) {
                inOrder.add(readers.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < burst; i++) {
                        if (client.readLine().equals("update " + i)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : inOrder) {
                assertThat(f.get()).isEqualTo(burst);
            }
        } finally {
            readers.shutdownNow();
        }
    }

    @Test
    void echoesAndAcceptsBareLineFeeds() {
        PushServer server = start(Framing.lines(), "updates");
        TcpTestClient client = connect(server);
        client.send("hello\r\n");
        assertThat(client.readLine()).isEqualTo("hello");
        client.send("bare\n");
        assertThat(client.readLine()).isEqualTo("bare");
    }

    @Test
    void aPayloadWithANewlineIsNotSentAndTheNextOneIs() {
        PushServer server = start(Framing.lines(), "updates");
        TcpTestClient client = connect(server);
        awaitSubscribed(server, 1, "updates");
        redis.publish("updates", "two\nlines".getBytes(StandardCharsets.UTF_8));
        redis.publish("updates", "one line".getBytes(StandardCharsets.UTF_8));
        assertThat(client.readLine()).isEqualTo("one line");
        assertThat(server.unsendableMessages()).isEqualTo(1);
    }

    @Test
    void aTopicWhoseLastClientLeftIsGoneFromPubsubChannels() {
        PushServer server = start(Framing.lines(), "updates", "news");
        TcpTestClient first = connect(server);
        TcpTestClient second = connect(server);
        awaitSubscribed(server, 2, "news");
        assertThat(redis.channels()).containsExactly("news", "updates");
        first.close();
        await().until(() -> server.clients().size() == 1);
        assertThat(redis.channels()).containsExactly("news", "updates");
        second.reset();
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().isEmpty());
        assertThat(server.topics()).isEmpty();
    }

    @Test
    void lengthPrefixedFramingCarriesAllByteValuesFromRedis() {
        PushServer server = start(Framing.lengthPrefixed(), "bin");
        TcpTestClient client = connect(server);
        awaitSubscribed(server, 1, "bin");
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        redis.publish("bin", all);
        redis.publish("bin", new byte[] {'\r', '\n', 0});
        assertThat(client.readFrame()).isEqualTo(all);
        assertThat(client.readFrame()).containsExactly('\r', '\n', 0);
    }
}
