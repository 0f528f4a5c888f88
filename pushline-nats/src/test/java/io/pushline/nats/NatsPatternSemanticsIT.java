package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.PatternDialect;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * NATS wildcards as the server applies them, pattern by pattern and subject by subject, against what
 * {@link PatternDialect#natsSubjects()} says: {@code *} is exactly one token, a last {@code >} one or more.
 */
class NatsPatternSemanticsIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** Records each delivery as "pattern subject"; markers on the topic subscription end a round. */
    private static final class Deliveries implements MessageListener {
        final List<String> got = new CopyOnWriteArrayList<>();
        final Map<String, Boolean> markers = new ConcurrentHashMap<>();
        final AtomicLong invalid = new AtomicLong();

        @Override
        public void onMessage(Message message) {
            markers.put(message.topic(), true);
        }

        @Override
        public void onPatternMessage(String pattern, Message message) {
            got.add(pattern + " " + message.topic());
        }

        @Override
        public void onMessagesDropped(DropReason reason, long count) {
            if (reason == DropReason.INVALID_TOPIC) {
                invalid.addAndGet(count);
            }
        }
    }

    @Test
    void wildcardsMatchExactlyAsTheDialectSays() throws Exception {
        NatsMessageSource source = closer.add(NatsMessageSource.create(nats.url()));
        Deliveries d = new Deliveries();
        source.start(d);
        List<String> patterns = List.of("a.*", "a.>", "a.*.c", "*.b", ">", "a.b.>");
        List<String> subjects = List.of("a", "a.b", "a.b.c", "a.x.c", "b.b", "a.b.c.d", "x");
        for (String p : patterns) {
            source.psubscribe(p).get(10, TimeUnit.SECONDS);
        }
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        for (String s : subjects) {
            source.subscribe(s).get(10, TimeUnit.SECONDS);
            outside.publish(s, "x".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(RecordingListener.TIMEOUT).until(() -> d.markers.keySet().containsAll(subjects));
        List<String> expected = new ArrayList<>();
        for (String p : patterns) {
            for (String s : subjects) {
                if (PatternDialect.natsSubjects().matches(p, s)) {
                    expected.add(p + " " + s);
                }
            }
        }
        assertThat(d.got).containsExactlyInAnyOrderElementsOf(expected);
        // the cases the issue names, spelled out
        assertThat(d.got).doesNotContain("a.* a.b.c", "a.> a").contains("a.* a.b", "a.> a.b", "a.> a.b.c");
    }

    @Test
    void aSubjectThatIsNotAValidTopicIsDroppedAndCounted() throws Exception {
        NatsMessageSource source = closer.add(NatsMessageSource.create(nats.url()));
        Deliveries d = new Deliveries();
        source.start(d);
        source.psubscribe("long.>").get(10, TimeUnit.SECONDS);
        source.subscribe("long.marker").get(10, TimeUnit.SECONDS);
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        outside.publish("long." + "x".repeat(300), "too long a topic".getBytes(StandardCharsets.UTF_8));
        outside.publish("long.marker", "marker".getBytes(StandardCharsets.UTF_8));
        await().atMost(RecordingListener.TIMEOUT).until(() -> d.markers.containsKey("long.marker"));
        assertThat(d.invalid.get()).isEqualTo(1);
        assertThat(d.got).containsExactly("long.> long.marker");
    }
}
