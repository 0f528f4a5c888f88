package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.Client;
import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.PushServer;
import io.pushline.netty.client.PushClient;
import io.pushline.netty.client.ReconnectPolicy;
import io.pushline.netty.client.ResumeListener;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@link PushClient}'s re-subscriptions after a reconnect, on a private {@code redis-server} with history, where
 * the server's answer to a resume waits for a real history read: more topics than the server resumes at once, and
 * the connection cut again while a resume waits for its reply. Every topic the client was asked to subscribe stays
 * subscribed, and gets every message once, in order.
 */
class RedisClientResubscribeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10),
            Duration.ofMillis(200));

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final HistoryOptions history = HistoryOptions.builder().size(1_000).build();

    /** What the client delivered and was told, recorded from its event loop. */
    private static final class Sink {
        final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> told = new CopyOnWriteArrayList<>();
        final List<PushClient.State> states = new CopyOnWriteArrayList<>();

        PushClient client(int port) {
            return PushClient.builder().host("127.0.0.1").port(port).reconnectPolicy(FAST).onMessage(messages::add)
                    .onResume(new ResumeListener() {
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
                            told.add("refused " + name + ": " + reason);
                        }
                    }).onStateChange(states::add).build();
        }

        /** The payloads delivered, per topic, in the order delivered. */
        Map<String, List<String>> byTopic() {
            synchronized (messages) {
                return messages.stream().collect(Collectors.groupingBy(Message::topic,
                        Collectors.mapping(m -> new String(m.payload(), StandardCharsets.UTF_8),
                                Collectors.toList())));
            }
        }
    }

    private PushServer server(TopicAuthorizer authorizer) {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(RedisMessageSource.create(RedisURI.create(redis.uri()), history)).authorizer(authorizer)
                .timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1)).brokerTimeout(Duration.ofMillis(500)))
                .build().start());
    }

    private RedisPublisher publisher() {
        return closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), history));
    }

    private static void publish(RedisPublisher publisher, String topic, String payload) {
        publisher.publishWithPosition(topic, payload.getBytes(StandardCharsets.UTF_8)).orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    private static void disconnectAll(PushServer server) {
        for (Client c : server.clients()) {
            c.disconnect("cut by the test");
        }
    }

    /**
     * Forty topics with history, more than the sixteen resumes a server reads at once for one connection, are all
     * subscribed on the first connection and all resumed after a reconnect.
     */
    @Test
    void moreTopicsWithHistoryThanTheServerResumesAtOnceAreAllKept() {
        PushServer server = server(TopicAuthorizer.ALLOW_ALL);
        RedisPublisher publisher = publisher();
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            topics.add("many." + i);
        }
        Sink sink = new Sink();
        PushClient client = closer.add(sink.client(server.port()));
        topics.forEach(client::subscribe); // all sent at once on the first connection
        client.connect().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.positions().keySet())
                .as("topics %s, told %s", client.topics(), sink.told).containsExactlyInAnyOrderElementsOf(topics));
        topics.forEach(t -> publish(publisher, t, "before"));
        await().atMost(TIMEOUT).until(() -> sink.messages.size() == topics.size());

        disconnectAll(server);
        topics.forEach(t -> publish(publisher, t, "after")); // some while the client is away, some live

        Map<String, List<String>> expected = topics.stream()
                .collect(Collectors.toMap(Function.identity(), t -> List.of("before", "after")));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.byTopic())
                .as("topics %s, positions %s, told %s", client.topics(), client.positions(), sink.told)
                .isEqualTo(expected));
        assertThat(client.topics()).containsExactlyInAnyOrderElementsOf(topics);
        assertThat(sink.told).noneMatch(t -> t.startsWith("lost"));
    }

    /**
     * The server's {@code -ERR disconnected: ...} notice arrives while the client's {@code SUB ... FROM} waits for its
     * history read: the topic is resumed on the next connection and nothing is missed.
     */
    @Test
    void aConnectionCutWhileTheResumeReadsHistoryKeepsTheTopic() {
        AtomicBoolean cutTheNextSubscription = new AtomicBoolean();
        PushServer server = server((client, principal, name, pattern, action) -> {
            if (cutTheNextSubscription.compareAndSet(true, false)) {
                client.disconnect("cut by the test"); // on the connection's loop: the notice goes out at once
            }
            return true;
        });
        RedisPublisher publisher = publisher();
        Sink sink = new Sink();
        PushClient client = closer.add(sink.client(server.port()));
        client.subscribe("cut");
        client.connect().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        await().atMost(TIMEOUT).until(() -> client.positions().containsKey("cut"));
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            publish(publisher, "cut", "m" + i);
            expected.add("m" + i);
        }
        await().atMost(TIMEOUT).until(() -> sink.messages.size() == 5);

        cutTheNextSubscription.set(true);
        disconnectAll(server); // the client resumes, and that resume's connection is cut too
        for (int i = 6; i <= 10; i++) {
            publish(publisher, "cut", "m" + i);
            expected.add("m" + i);
        }

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.byTopic().get("cut"))
                .as("topics %s, positions %s, told %s", client.topics(), client.positions(), sink.told)
                .isEqualTo(expected));
        assertThat(cutTheNextSubscription).isFalse();
        assertThat(client.topics()).containsExactly("cut");
        assertThat(sink.told).isNotEmpty().allMatch(t -> t.startsWith("recovered cut "));
    }

    /**
     * Redis frozen ({@code SIGSTOP}) while the client resumes: the server answers the resume {@code -ERR unavailable},
     * the client keeps the topic and its position and asks again until Redis is back, then gets every message.
     */
    @Test
    void aResumeRefusedWhileRedisIsFrozenIsAskedAgainAndLosesNothing() {
        PushServer server = server(TopicAuthorizer.ALLOW_ALL);
        RedisPublisher publisher = publisher();
        Sink sink = new Sink();
        PushClient client = closer.add(sink.client(server.port()));
        client.subscribe("frozen");
        client.connect().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        await().atMost(TIMEOUT).until(() -> client.positions().containsKey("frozen"));
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            publish(publisher, "frozen", "m" + i);
            expected.add("m" + i);
        }
        await().atMost(TIMEOUT).until(() -> sink.messages.size() == 3);

        redis.pause();
        Throwable refusal;
        try {
            disconnectAll(server);
            await().atMost(TIMEOUT).until(() -> sink.states.stream().filter(s -> s == PushClient.State.CONNECTED)
                    .count() == 2);
            // asking now joins the resume (or its next attempt): its future fails, the subscription stays
            refusal = client.subscribe("frozen").handle((ok, error) -> error).orTimeout(TIMEOUT.toSeconds(),
                    TimeUnit.SECONDS).join();
        } finally {
            redis.resume();
        }
        assertThat(refusal).as("a subscription while Redis is frozen").isNotNull();
        assertThat(refusal.getMessage()).matches("(unavailable|subscribe failed).*");
        assertThat(client.topics()).containsExactly("frozen");
        for (int i = 4; i <= 6; i++) {
            publish(publisher, "frozen", "m" + i);
            expected.add("m" + i);
        }

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sink.byTopic().get("frozen"))
                .as("topics %s, positions %s, told %s", client.topics(), client.positions(), sink.told)
                .isEqualTo(expected));
        assertThat(sink.told).noneMatch(t -> t.startsWith("lost") || t.startsWith("refused"));
    }
}
