package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.nats.NatsMessageSource;
import io.pushline.nats.NatsPublisher;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server started while its broker is down ({@code awaitSource(false)}, the CLI's default): it serves at once,
 * reports the source DOWN, and once the broker (a real {@code redis-server} or {@code nats-server}, started after
 * the server on the port the source was given) is reachable, subscribes what its clients hold and pushes.
 */
class BrokerStartsLaterIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A server on {@code source} that does not wait for it, with one raw and one commands port, states recorded. */
    private PushServer serverOn(MessageSource source, Protocol protocol, List<SourceState> states) {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).source(source).protocol(protocol)
                .defaultTopics("updates").awaitSource(false).timeouts(t -> t.brokerTimeout(Duration.ofSeconds(30)))
                .listener(new PushListener() {
                    @Override
                    public void sourceStateChanged(SourceState state) {
                        states.add(state);
                    }
                }).build().start());
    }

    @Test
    void redisStartedAfterTheServer() {
        redis.stop();
        List<SourceState> states = new CopyOnWriteArrayList<>();
        PushServer raw = serverOn(RedisMessageSource.create(redis.uri()), Protocol.RAW, states);
        PushServer commands = serverOn(RedisMessageSource.create(redis.uri()), Protocol.COMMANDS,
                new CopyOnWriteArrayList<>());
        TcpTestClient rawClient = closer.add(new TcpTestClient(raw.port()));
        TcpTestClient commandsClient = closer.add(new TcpTestClient(commands.port()));
        commandsClient.send("SUB news\r\n"); // answered once Redis confirmed it
        await().until(() -> states.contains(SourceState.DOWN) && raw.connectionCount() == 1
                && commands.topics().contains("news"));
        assertThat(raw.sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(raw.metrics().sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(raw.isSubscribed("updates")).isFalse();

        redis.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> raw.isSubscribed("updates"));
        assertThat(commandsClient.readLine()).isEqualTo("+OK");
        assertThat(raw.sourceState()).isEqualTo(SourceState.UP);
        assertThat(states).containsExactly(SourceState.DOWN, SourceState.UP);
        assertThat(redis.channels()).contains("updates", "news");
        redis.publish("updates", utf8("hello, late Redis"));
        redis.publish("news", utf8("and news"));
        assertThat(rawClient.readLine()).isEqualTo("hello, late Redis");
        assertThat(commandsClient.readLine()).isEqualTo("MSG news - and news");
    }

    @Test
    void natsStartedAfterTheServer() {
        nats.stop();
        List<SourceState> states = new CopyOnWriteArrayList<>();
        PushServer server = serverOn(NatsMessageSource.create(nats.url()), Protocol.RAW, states);
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().until(() -> states.contains(SourceState.DOWN) && server.connectionCount() == 1);
        assertThat(server.sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(server.isSubscribed("updates")).isFalse();

        nats.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> server.isSubscribed("updates"));
        assertThat(server.sourceState()).isEqualTo(SourceState.UP);
        assertThat(states).containsExactly(SourceState.DOWN, SourceState.UP);
        NatsPublisher publisher = closer.add(NatsPublisher.create(nats.url()));
        publisher.publish("updates", utf8("hello, late NATS")).join();
        assertThat(client.readLine()).isEqualTo("hello, late NATS");
    }

    @Test
    void theCliServesFirstAndConnectsToRedisWhenItComes() throws Exception {
        redis.stop();
        try (CliProcess cli = new CliProcess("server", "--port", "0", "--host", "127.0.0.1", "--redis", redis.uri())) {
            int port = cli.awaitPort();
            assertThat(cli.stdout()).anyMatch(line -> line.contains("connecting in the background"));
            try (TcpTestClient client = new TcpTestClient(port)) {
                redis.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> redis.channels().contains("updates"));
                redis.publish("updates", utf8("served before Redis was"));
                assertThat(client.readLine()).isEqualTo("served before Redis was");
            }
            assertThat(cli.terminate(Duration.ofSeconds(20))).isZero();
        }
    }
}
