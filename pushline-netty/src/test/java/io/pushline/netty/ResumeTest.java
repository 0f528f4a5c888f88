package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.ResumeOutcome;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Positions, {@code SUB ... FROM} and {@code LAST} over real sockets, on the in-memory source with history. */
class ResumeTest {
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private InMemoryMessageSource source;

    private PushServer start(HistoryOptions history, ServerLimits limits) {
        source = InMemoryMessageSource.withHistory(history);
        PushServer server = PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS).allowPublish(true).limits(limits).build().start();
        closer.add(server);
        return server;
    }

    private PushServer start() {
        return start(HistoryOptions.builder().size(20).topics(t -> t.startsWith("h.")).build(),
                ServerLimits.builder().maxReplay(25, 1024 * 1024).build());
    }

    private TcpTestClient connect(PushServer server) {
        TcpTestClient client = new TcpTestClient(server.port());
        closer.add(client);
        return client;
    }

    private void publish(String topic, String payload) {
        source.publish(topic, payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    /** Subscribes and returns the top position from {@code +OK <top>}. */
    private static Position sub(TcpTestClient c, String topic) {
        c.send("SUB " + topic + "\r\n");
        String reply = c.readLine();
        assertThat(reply).startsWith("+OK ");
        return Position.parse(reply.substring(4)).orElseThrow();
    }

    private static List<String> read(TcpTestClient c, int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(c.readLine());
        }
        return lines;
    }

    @Test
    void messagesOnATopicWithHistoryCarryTheirPosition() {
        PushServer server = start();
        TcpTestClient c = connect(server);
        Position top = sub(c, "h.news");
        assertThat(top.offset()).isZero();
        publish("h.news", "one");
        publish("h.news", "two");
        assertThat(read(c, 2)).containsExactly("MSG h.news " + top.plus(1) + " one",
                "MSG h.news " + top.plus(2) + " two");
        c.send("SUB h.news\r\n"); // held already: the reply names the top, the live stream goes on
        assertThat(c.readLine()).isEqualTo("+OK " + top.plus(2));
    }

    @Test
    void topicsWithoutHistoryBehaveAsBefore() {
        PushServer server = start();
        TcpTestClient c = connect(server);
        c.send("SUB plain\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("SUB other FROM 3.abc\r\n"); // nothing to resume from: an ordinary subscription
        assertThat(c.readLine()).isEqualTo("+OK");
        publish("plain", "x");
        assertThat(c.readLine()).isEqualTo("MSG plain - x");
    }

    @Test
    void fromAPositionReplaysExactlyWhatWasMissedThenGoesLive() {
        PushServer server = start();
        TcpTestClient first = connect(server);
        Position top = sub(first, "h.r");
        for (int i = 1; i <= 8; i++) {
            publish("h.r", "m" + i);
        }
        read(first, 8);
        TcpTestClient c = connect(server);
        c.send("SUB h.r FROM " + top.plus(3) + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK " + top.plus(8) + " RECOVERED 5");
        assertThat(read(c, 5)).containsExactly("MSG h.r " + top.plus(4) + " m4", "MSG h.r " + top.plus(5) + " m5",
                "MSG h.r " + top.plus(6) + " m6", "MSG h.r " + top.plus(7) + " m7", "MSG h.r " + top.plus(8) + " m8");
        publish("h.r", "m9");
        assertThat(c.readLine()).isEqualTo("MSG h.r " + top.plus(9) + " m9");
        c.send("SUB h.r FROM " + top.plus(9) + "\r\n"); // nothing missed
        assertThat(c.readLine()).isEqualTo("+OK " + top.plus(9) + " RECOVERED 0");
        assertThat(server.metrics().history().resumes().get(ResumeOutcome.RECOVERED)).isEqualTo(2);
    }

    @Test
    void lastReplaysTheMostRecentMessages() {
        PushServer server = start();
        TcpTestClient c = connect(server);
        Position top = sub(c, "h.l");
        for (int i = 1; i <= 4; i++) {
            publish("h.l", "m" + i);
        }
        read(c, 4);
        TcpTestClient d = connect(server);
        d.send("SUB h.l LAST 2\r\n");
        assertThat(d.readLine()).isEqualTo("+OK " + top.plus(4) + " RECOVERED 2");
        assertThat(read(d, 2)).containsExactly("MSG h.l " + top.plus(3) + " m3", "MSG h.l " + top.plus(4) + " m4");
        d.send("SUB h.l2 LAST 50\r\n");
        assertThat(d.readLine()).matches("\\+OK 0\\.[A-Za-z0-9]+ RECOVERED 0");
        d.send("SUB h.l3 LAST x\r\n");
        assertThat(d.readLine()).startsWith("-ERR wrong arguments");
    }

    @Test
    void whatCannotBeRecoveredIsLostNeverPartial() {
        PushServer server = start();
        TcpTestClient c = connect(server);
        Position top = sub(c, "h.x");
        for (int i = 1; i <= 30; i++) {
            publish("h.x", "m" + i);
        }
        read(c, 30);
        TcpTestClient d = connect(server);
        Position now = top.plus(30);
        d.send("SUB h.x FROM " + top.plus(1) + "\r\n"); // 29 behind, the replay cap is 25
        assertThat(d.readLine()).isEqualTo("+OK " + now + " LOST");
        d.send("SUB h.x FROM " + top.plus(5) + "\r\n"); // 25 behind, but the history keeps 20
        assertThat(d.readLine()).isEqualTo("+OK " + now + " LOST");
        d.send("SUB h.x FROM 29.SomeOtherEpoch\r\n");
        assertThat(d.readLine()).isEqualTo("+OK " + now + " LOST");
        d.send("SUB h.x FROM garbage\r\n");
        assertThat(d.readLine()).isEqualTo("+OK " + now + " LOST");
        d.send("SUB h.x FROM " + top.plus(99) + "\r\n"); // from the future
        assertThat(d.readLine()).isEqualTo("+OK " + now + " LOST");
        d.send("SUB h.x FROM " + top.plus(25) + "\r\n");
        assertThat(d.readLine()).isEqualTo("+OK " + now + " RECOVERED 5");
        read(d, 5);
        assertThat(server.metrics().history().resumes()).containsEntry(ResumeOutcome.LOST_TRIMMED, 1L)
                .containsEntry(ResumeOutcome.LOST_TOO_FAR, 1L).containsEntry(ResumeOutcome.LOST_EPOCH, 3L)
                .containsEntry(ResumeOutcome.RECOVERED, 1L);
    }

    @Test
    void aLostHistoryIsAnnouncedToTheTopicsClients() {
        PushServer server = start();
        TcpTestClient c = connect(server);
        Position top = sub(c, "h.lost");
        publish("h.lost", "before");
        assertThat(c.readLine()).isEqualTo("MSG h.lost " + top.plus(1) + " before");
        source.forgetHistory("h.lost");
        publish("h.lost", "after");
        String notice = c.readLine();
        assertThat(notice).matches("MSG \\$lost 0\\.[A-Za-z0-9]+ h\\.lost");
        Position continueFrom = Position.parse(notice.split(" ")[2]).orElseThrow();
        assertThat(continueFrom.sameEpoch(top)).isFalse();
        assertThat(c.readLine()).isEqualTo("MSG h.lost " + continueFrom.plus(1) + " after");
        await().until(() -> server.metrics().history().topicsLost() == 1);
    }
}
