package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.PatternDialect;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.SourceCapabilities;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broker whose history forks (a Redis master dies, or is failed over by force, before its replica has its last
 * writes; the promoted replica gives their offsets to new messages): the server notices that a position names another
 * message than the one it delivered, live or on a repair, and tells the clients {@code $lost} instead of keeping the
 * lost message and dropping the new one as a duplicate.
 */
class ForkedHistoryTest {
    private static final String EPOCH = "Fork3dEp0ch1";

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** A source whose live messages and history the test writes. */
    static final class ScriptedSource implements MessageSource {
        final List<Message> history = new ArrayList<>();
        volatile MessageListener listener;

        @Override
        public SourceCapabilities capabilities() {
            return SourceCapabilities.builder(PatternDialect.redisGlob()).history(true).build();
        }

        @Override
        public void start(MessageListener l) {
            listener = l;
        }

        @Override
        public CompletableFuture<Void> subscribe(String topic) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String topic) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean hasHistory(String topic) {
            return true;
        }

        @Override
        public synchronized CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
            long top = history.isEmpty() ? 0 : history.get(history.size() - 1).position().offset();
            List<Message> out = new ArrayList<>();
            for (Message m : history) {
                if (query.isLatest() ? history.size() - history.indexOf(m) <= query.limit()
                        : m.position().offset() > query.after() && top - query.after() <= query.limit()) {
                    out.add(m);
                }
            }
            return CompletableFuture.completedFuture(new HistoryRead(Position.of(top, EPOCH), out));
        }

        /** Sets history to these payloads, offsets 1, 2, ... */
        synchronized void history(String topic, String... payloads) {
            history.clear();
            for (int i = 0; i < payloads.length; i++) {
                history.add(message(topic, i + 1, payloads[i]));
            }
        }

        void live(String topic, long offset, String payload) {
            listener.onMessage(message(topic, offset, payload));
        }

        @Override
        public void close() {
        }
    }

    private static Message message(String topic, long offset, String payload) {
        return Message.wrap(topic, payload.getBytes(StandardCharsets.UTF_8), Position.of(offset, EPOCH));
    }

    private TcpTestClient subscribed(ScriptedSource source, String topic) {
        PushServer server = closer.add(PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS).build().start());
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("SUB " + topic + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK " + Position.of(0, EPOCH));
        return c;
    }

    @Test
    void aLiveMessageAtAPositionDeliveredWithAnotherMessageIsAFork() {
        ScriptedSource source = new ScriptedSource();
        TcpTestClient c = subscribed(source, "f");
        source.live("f", 1, "a");
        source.live("f", 2, "b");
        source.live("f", 3, "c"); // the old master's last write: its replica never got it
        source.live("f", 3, "c"); // the same message twice: a duplicate, dropped
        source.live("f", 3, "d"); // the promoted replica gave offset 3 to a new message
        source.live("f", 4, "e");
        List<String> lines = List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine(),
                c.readLine());
        assertThat(lines).containsExactly("MSG f 1." + EPOCH + " a", "MSG f 2." + EPOCH + " b",
                "MSG f 3." + EPOCH + " c", "MSG $lost 2." + EPOCH + " f", "MSG f 3." + EPOCH + " d",
                "MSG f 4." + EPOCH + " e");
    }

    @Test
    void aRepairThatFindsAnotherMessageAtTheLastPositionDeliveredIsAFork() {
        ScriptedSource source = new ScriptedSource();
        TcpTestClient c = subscribed(source, "r");
        source.history("r", "a", "b", "c");
        source.live("r", 1, "a");
        source.live("r", 2, "b");
        source.live("r", 3, "c");
        source.history("r", "a", "b", "d", "e"); // after the failover: 3 and 4 are new messages
        source.listener.onResubscribed();
        List<String> lines = List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine(),
                c.readLine());
        assertThat(lines).containsExactly("MSG r 1." + EPOCH + " a", "MSG r 2." + EPOCH + " b",
                "MSG r 3." + EPOCH + " c", "MSG $lost 2." + EPOCH + " r", "MSG r 3." + EPOCH + " d",
                "MSG r 4." + EPOCH + " e");
        source.history("r", "a", "b", "d", "e");
        source.listener.onResubscribed(); // history agrees now: nothing to repair, nothing lost
        source.live("r", 5, "f");
        assertThat(c.readLine()).isEqualTo("MSG r 5." + EPOCH + " f");
    }
}
