package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.InMemoryMessageSource;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.PushlineException;
import io.pushline.SourceCapabilities;
import io.pushline.SourceException;
import io.pushline.SourceState;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code awaitSource}: by default a source that cannot start fails {@code start()}; with {@code false} the server
 * serves at once, reports the source DOWN, and subscribes what its clients hold once the source started. The
 * end-to-end proofs on a real broker started after the server are {@code RedisStartsLaterIT} and
 * {@code NatsStartsLaterIT}.
 */
class AwaitSourceTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** An in-memory source whose start fails (as a source's does while its broker is down) until allowed. */
    private static final class BrokerLater implements MessageSource {
        final InMemoryMessageSource memory = InMemoryMessageSource.create();
        final AtomicBoolean reachable = new AtomicBoolean();
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public SourceCapabilities capabilities() {
            return memory.capabilities();
        }

        @Override
        public void start(MessageListener listener) {
            attempts.incrementAndGet();
            if (!reachable.get()) {
                throw new SourceException("cannot connect to broker:1: Connection refused");
            }
            memory.start(listener);
        }

        @Override
        public CompletableFuture<Void> subscribe(String topic) {
            return memory.subscribe(topic);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String topic) {
            return memory.unsubscribe(topic);
        }

        @Override
        public CompletableFuture<Void> psubscribe(String pattern) {
            return memory.psubscribe(pattern);
        }

        @Override
        public CompletableFuture<Void> punsubscribe(String pattern) {
            return memory.punsubscribe(pattern);
        }

        @Override
        public SourceState state() {
            return memory.state();
        }

        @Override
        public void close() {
            closed.set(true);
            memory.close();
        }
    }

    @Test
    void byDefaultASourceThatCannotStartFailsTheStart() {
        BrokerLater source = new BrokerLater();
        PushServer server = PushServer.builder().host("127.0.0.1").port(0).source(source).build();
        assertThatThrownBy(server::start).isInstanceOf(PushlineException.class)
                .hasMessageContaining("Connection refused");
        assertThat(source.attempts).hasValue(1);
        assertThat(source.closed).isTrue();
    }

    @Test
    void withoutAwaitingTheSourceTheServerServesAndSubscribesOnceTheSourceStarted() {
        BrokerLater source = new BrokerLater();
        List<SourceState> states = new CopyOnWriteArrayList<>();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).source(source)
                .awaitSource(false).defaultTopics("updates").listener(new PushListener() {
                    @Override
                    public void sourceStateChanged(SourceState state) {
                        states.add(state);
                    }
                }).build().start());

        TcpTestClient raw = closer.add(new TcpTestClient(server.port()));
        await().until(() -> server.connectionCount() == 1 && source.attempts.get() >= 2);
        assertThat(server.sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(server.metrics().sourceState()).isEqualTo(SourceState.DOWN);
        assertThat(states).containsExactly(SourceState.DOWN);
        assertThat(server.topics()).containsExactly("updates");
        assertThat(server.isSubscribed("updates")).isFalse();

        source.reachable.set(true);
        await().until(() -> server.isSubscribed("updates"));
        assertThat(server.sourceState()).isEqualTo(SourceState.UP);
        await().until(() -> states.equals(List.of(SourceState.DOWN, SourceState.UP)));
        assertThat(server.metrics().sourceDownEvents()).isEqualTo(1);
        source.memory.publish("updates", "hello".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(raw.readLine()).isEqualTo("hello");
    }

    @Test
    void commandsClientsSubscribeWhileTheSourceIsDownAndAreAnsweredOnceItStarted() {
        BrokerLater source = new BrokerLater();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).source(source)
                .protocol(Protocol.COMMANDS).awaitSource(false).allowPublish(true).build().start());
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().until(() -> source.attempts.get() >= 1);
        client.send("PUB news too-early\r\n");
        assertThat(client.readLine()).startsWith("-ERR").contains("not reached its broker");
        client.send("SUB news\r\nSUB gone\r\n");
        await().until(() -> server.topics().equals(Set.of("news", "gone")));
        client.send("UNSUB gone\r\n"); // before the source started: never subscribed at the broker
        await().until(() -> server.topics().equals(Set.of("news")));

        source.reachable.set(true);
        assertThat(client.readLine()).isEqualTo("+OK");
        assertThat(client.readLine()).isEqualTo("+OK");
        assertThat(client.readLine()).isEqualTo("+OK");
        assertThat(source.memory.state()).isEqualTo(SourceState.UP);
        source.memory.publish("news", "live".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(client.readLine()).isEqualTo("MSG news - live");
    }

    @Test
    void closingBeforeTheSourceStartedStopsTryingAndClosesTheSource() {
        BrokerLater source = new BrokerLater();
        PushServer server = PushServer.builder().host("127.0.0.1").port(0).source(source).awaitSource(false)
                .build().start();
        await().until(() -> source.attempts.get() >= 2);
        server.close();
        assertThat(source.closed).isTrue();
        // close() returns once the thread that tries again has ended: nothing starts the source after it
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("pushline-source-start"));
        assertThat(server.sourceState()).isEqualTo(SourceState.DOWN);
    }
}
