package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.DropReason;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.SourceCapabilities;
import io.pushline.SourceState;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Server-side gap repair: live messages the source loses on the way (they are in history) reach every client all
 * the same, in order and once, with no client action; what history no longer has is announced as {@code $lost}.
 */
class GapRepairTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** The in-memory source, except that live messages chosen by {@code drop} never reach the server. */
    static final class LossySource implements MessageSource {
        final InMemoryMessageSource inner;
        volatile Predicate<Message> drop = m -> false;
        /** When set, history reads wait for it (a slow broker). */
        volatile CompletableFuture<Void> gate;
        private volatile MessageListener listener;

        LossySource(HistoryOptions history) {
            inner = InMemoryMessageSource.withHistory(history);
        }

        @Override
        public SourceCapabilities capabilities() {
            return inner.capabilities();
        }

        @Override
        public void start(MessageListener l) {
            listener = l;
            inner.start(new MessageListener() {
                @Override
                public void onMessage(Message message) {
                    if (drop.test(message)) {
                        l.onMessagesDropped(DropReason.SERVER_OVERLOADED, 1);
                    } else {
                        l.onMessage(message);
                    }
                }

                @Override
                public void onPatternMessage(String pattern, Message message) {
                    l.onPatternMessage(pattern, message);
                }
            });
        }

        /** What a source says after its broker connection came back. */
        void reconnected() {
            listener.onStateChange(SourceState.UP);
            listener.onResubscribed();
        }

        /** What a source with several broker connections says after one of them came back. */
        void reconnected(Set<String> topics) {
            listener.onTopicsResubscribed(topics);
        }

        @Override
        public CompletableFuture<Void> subscribe(String topic) {
            return inner.subscribe(topic);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String topic) {
            return inner.unsubscribe(topic);
        }

        @Override
        public CompletableFuture<Void> publish(Message message) {
            return inner.publish(message);
        }

        @Override
        public boolean hasHistory(String topic) {
            return inner.hasHistory(topic);
        }

        @Override
        public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
            CompletableFuture<Void> g = gate;
            return g == null ? inner.readHistory(topic, query)
                    : g.thenComposeAsync(open -> inner.readHistory(topic, query));
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private PushServer start(LossySource source) {
        PushServer server = PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS).build().start();
        closer.add(server);
        return server;
    }

    private TcpTestClient subscribed(PushServer server, String topic) {
        TcpTestClient c = new TcpTestClient(server.port());
        closer.add(c);
        c.send("SUB " + topic + "\r\n");
        assertThat(c.readLine()).startsWith("+OK ");
        return c;
    }

    private static void publish(LossySource source, String topic, int n) {
        for (int i = 0; i < n; i++) {
            source.inner.publish(topic, ("m" + i).getBytes(StandardCharsets.UTF_8)).join();
        }
    }

    /** Reads {@code n} pushes and checks that their offsets run from {@code first} on, one by one. */
    private static void expectContiguous(TcpTestClient c, String topic, long first, int n) {
        for (int i = 0; i < n; i++) {
            String[] parts = c.readLine().split(" ", 4);
            assertThat(parts[1]).isEqualTo(topic);
            assertThat(Position.parse(parts[2]).orElseThrow().offset()).isEqualTo(first + i);
        }
    }

    @Test
    void messagesLostOnTheWayAreRepairedFromHistoryInOrder() {
        LossySource source = new LossySource(HistoryOptions.defaults());
        PushServer server = start(source);
        TcpTestClient a = subscribed(server, "g");
        TcpTestClient b = subscribed(server, "g");
        source.drop = m -> m.position().offset() % 7 == 3 || (m.position().offset() > 100 && m.position().offset()
                < 150);
        publish(source, "g", 300);
        expectContiguous(a, "g", 1, 300);
        expectContiguous(b, "g", 1, 300);
        assertThat(server.metrics().history().gapsRepaired()).isPositive();
        assertThat(server.metrics().history().messagesRepaired()).isGreaterThanOrEqualTo(49 + 40);
        assertThat(server.metrics().history().topicsLost()).isZero();
    }

    @Test
    void afterTheSourceReconnectsWhatWasMissedIsDeliveredWithoutWaitingForTheNextMessage() {
        LossySource source = new LossySource(HistoryOptions.defaults());
        PushServer server = start(source);
        TcpTestClient c = subscribed(server, "r");
        publish(source, "r", 5);
        expectContiguous(c, "r", 1, 5);
        // the broker connection is down while 6..15 are published (dispatch is asynchronous: decided by offset)
        source.drop = m -> m.position().offset() >= 6 && m.position().offset() <= 15;
        publish(source, "r", 10);
        source.reconnected();
        expectContiguous(c, "r", 6, 10);
        await().until(() -> server.metrics().history().messagesRepaired() == 10);
    }

    @Test
    void whenSomeTopicsAreResubscribedOnlyTheyAreRepaired() {
        LossySource source = new LossySource(HistoryOptions.defaults());
        PushServer server = start(source);
        TcpTestClient x = subscribed(server, "x");
        TcpTestClient y = subscribed(server, "y");
        publish(source, "x", 1);
        publish(source, "y", 1);
        expectContiguous(x, "x", 1, 1);
        expectContiguous(y, "y", 1, 1);
        source.drop = m -> m.position().offset() > 1; // the shard of both topics is down: 2, 3, 4 never arrive
        publish(source, "x", 3);
        publish(source, "y", 3);
        source.reconnected(Set.of("x")); // only x's shard came back
        expectContiguous(x, "x", 2, 3);
        assertThat(server.metrics().history().messagesRepaired()).as("y was not read").isEqualTo(3);
        source.reconnected(Set.of("y"));
        expectContiguous(y, "y", 2, 3);
        assertThat(server.metrics().history().messagesRepaired()).isEqualTo(6);
    }

    @Test
    void whatHistoryNoLongerHasIsAnnouncedAsLost() {
        LossySource source = new LossySource(HistoryOptions.builder().size(10).build());
        PushServer server = start(source);
        TcpTestClient c = subscribed(server, "t");
        publish(source, "t", 3);
        expectContiguous(c, "t", 1, 3);
        source.drop = m -> m.position().offset() <= 30; // 27 missed, history keeps 10
        publish(source, "t", 28);
        String notice = c.readLine();
        assertThat(notice).startsWith("MSG $lost ").endsWith(" t");
        assertThat(Position.parse(notice.split(" ")[2]).orElseThrow().offset()).isEqualTo(30);
        expectContiguous(c, "t", 31, 1);
        assertThat(server.metrics().history().topicsLost()).isEqualTo(1);
    }

    @Test
    void liveMessagesWaitInOrderForASlowRepair() {
        LossySource source = new LossySource(HistoryOptions.defaults());
        PushServer server = start(source);
        TcpTestClient c = subscribed(server, "slow");
        publish(source, "slow", 2);
        expectContiguous(c, "slow", 1, 2);
        source.gate = new CompletableFuture<>();
        source.drop = m -> m.position().offset() == 3;
        publish(source, "slow", 50); // 3 is missing: the rest waits for the repair
        source.gate.complete(null);
        expectContiguous(c, "slow", 3, 50);
    }

    @Test
    void aRepairOutrunByTenThousandLiveMessagesGivesUpAndSaysSo() {
        LossySource source = new LossySource(HistoryOptions.builder().size(20_000).build());
        PushServer server = start(source);
        TcpTestClient c = subscribed(server, "flood");
        publish(source, "flood", 1);
        expectContiguous(c, "flood", 1, 1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        source.gate = gate;
        source.drop = m -> m.position().offset() == 2;
        publish(source, "flood", 10_002); // offsets 2..10003: 2 is missing, 10,001 wait, one too many
        String notice = c.readLine();
        assertThat(notice).isEqualTo("MSG $lost " + Position.parse(notice.split(" ")[2]).orElseThrow() + " flood");
        assertThat(Position.parse(notice.split(" ")[2]).orElseThrow().offset()).isEqualTo(2);
        expectContiguous(c, "flood", 3, 10_001);
        gate.complete(null); // the late answer changes nothing
        source.drop = m -> false;
        publish(source, "flood", 1);
        expectContiguous(c, "flood", 10_004, 1);
        assertThat(server.metrics().history().topicsLost()).isEqualTo(1);
    }
}
