package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Client;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.PushServer;
import io.pushline.test.CloseAfterEach;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What becomes of a {@link PushClient}'s subscription when its re-subscription after a reconnect goes wrong, against a
 * real {@link PushServer} on the in-memory source with history: the connection cut again while the resume waits
 * for its reply, and a server that now refuses the topic for good.
 */
class PushClientResubscribeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10),
            Duration.ofMillis(100));

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.builder()
            .size(1_000).build());

    private PushServer start(TopicAuthorizer authorizer) {
        return closer.add(PushServer.builder().source(source).host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .authorizer(authorizer).timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1))).build().start());
    }

    /** What the client delivered and was told, recorded from its event loop. */
    private static final class Sink {
        final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> told = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        PushClientBuilder attach(PushClientBuilder builder) {
            return builder.onMessage(messages::add).onResume(new ResumeListener() {
                @Override
                public void recovered(String topic, int count) {
                    told.add("recovered " + topic + " " + count);
                }

                @Override
                public void lost(String topic) {
                    told.add("lost " + topic);
                }

                @Override
                public void refused(String name, boolean pattern, String reason) {
                    told.add("refused " + (pattern ? "pattern " : "") + name + ": " + reason);
                    threads.add(Thread.currentThread().getName());
                }
            });
        }

        List<String> refusals() {
            return told.stream().filter(t -> t.startsWith("refused")).toList();
        }

        List<String> texts() {
            synchronized (messages) {
                return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
            }
        }
    }

    private PushClient client(PushServer server, Sink sink) {
        return closer.add(sink.attach(PushClient.builder().host("127.0.0.1").port(server.port())
                .reconnectPolicy(FAST)).build());
    }

    private static <T> T get(CompletableFuture<T> future) {
        return future.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private void publish(String topic, int from, int to) {
        for (int i = from; i <= to; i++) {
            source.publish(topic, ("m" + i).getBytes(StandardCharsets.UTF_8)).join();
        }
    }

    private static List<String> texts(int from, int to) {
        List<String> texts = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            texts.add("m" + i);
        }
        return texts;
    }

    private static void disconnectAll(PushServer server) {
        for (Client c : server.clients()) {
            c.disconnect("cut by the test");
        }
    }

    /**
     * The server's {@code -ERR disconnected: ...} notice, sent just before it closes, arrives while the client's
     * {@code SUB ... FROM} waits for its reply: it is not that reply, and the topic is resumed on the next connection.
     */
    @Test
    void aConnectionCutWhileTheResumeWaitsForItsReplyKeepsTheTopic() throws Exception {
        AtomicBoolean cutTheNextSubscription = new AtomicBoolean();
        PushServer server = start((client, principal, name, pattern, action) -> {
            if (cutTheNextSubscription.compareAndSet(true, false)) {
                client.disconnect("cut by the test"); // on the connection's loop: the notice goes out at once
            }
            return true;
        });
        Sink sink = new Sink();
        PushClient client = client(server, sink);
        get(client.subscribe("h.t").thenCombine(client.connect(), (a, b) -> b));
        publish("h.t", 1, 5);
        await().atMost(TIMEOUT).until(() -> sink.messages.size() == 5);

        cutTheNextSubscription.set(true);
        disconnectAll(server); // the client resumes, and that resume's connection is cut too
        await().atMost(TIMEOUT).until(() -> !cutTheNextSubscription.get());
        publish("h.t", 6, 10);

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.texts())
                .as("topics %s, positions %s, told %s", client.topics(), client.positions(), sink.told)
                .isEqualTo(texts(1, 10)));
        assertThat(client.topics()).containsExactly("h.t");
        assertThat(sink.told).isNotEmpty().allMatch(t -> t.startsWith("recovered h.t "));
    }

    /**
     * A server that now refuses a topic the client subscribed to before (its grants changed): on the reconnect the
     * refusal is reported, once, on the client's event loop, and the topic is forgotten; a topic and a pattern it
     * still grants go on.
     */
    @Test
    void aRefusalForGoodAfterAReconnectIsReportedAndTheTopicForgotten() throws Exception {
        AtomicBoolean denyTheSecret = new AtomicBoolean();
        PushServer server = start((client, principal, name, pattern, action) ->
                !(denyTheSecret.get() && name.startsWith("h.secret")));
        Sink sink = new Sink();
        PushClient client = client(server, sink);
        client.subscribe("h.secret");
        client.psubscribe("h.secret.*");
        client.subscribe("h.public");
        get(client.connect());
        await().atMost(TIMEOUT).until(() -> client.positions().keySet().equals(Set.of("h.secret",
                "h.public")));

        denyTheSecret.set(true);
        disconnectAll(server);
        await().atMost(TIMEOUT).until(() -> sink.refusals().size() == 2);
        assertThat(sink.refusals()).containsExactlyInAnyOrder("refused h.secret: forbidden",
                "refused pattern h.secret.*: forbidden");
        assertThat(sink.threads).allMatch(t -> t.startsWith("pushline-client"));
        assertThat(client.topics()).containsExactly("h.public");
        assertThat(client.patterns()).isEmpty();
        assertThat(client.positions()).containsOnlyKeys("h.public");

        disconnectAll(server); // asked for no more: nothing new to report
        publish("h.public", 1, 3);
        publish("h.secret", 1, 3);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.texts()).containsExactly("m1", "m2", "m3"));
        assertThat(sink.messages).extracting(Message::topic).containsOnly("h.public");
        assertThat(sink.refusals()).hasSize(2);
        assertThat(sink.told).noneMatch(t -> t.startsWith("lost"));
    }
}
