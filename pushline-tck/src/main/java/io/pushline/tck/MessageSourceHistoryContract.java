package io.pushline.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The history group of the {@link io.pushline.MessageSource} contract, for sources whose capabilities include
 * {@link io.pushline.SourceCapabilities#history() history}. It runs the whole {@link MessageSourceContract} too.
 *
 * <p>The source that {@link #newSource()} returns must keep history for the topics starting with {@code tck.h.}
 * ({@link #historySize()} messages each), and none for those starting with {@code tck.plain.}. Messages for the
 * history tests are published with {@link #publishWithPosition(String, byte[])}, the path that gives them positions.
 */
public abstract class MessageSourceHistoryContract extends MessageSourceContract {
    /** Creates the contract test. */
    protected MessageSourceHistoryContract() {
    }

    /**
     * Returns how many messages per topic the source keeps (at least 20).
     *
     * @return the history size
     */
    protected abstract int historySize();

    /**
     * Publishes a message through the broker so that it gets a position (for a source that can publish, usually
     * the source itself). Returns once the broker accepted it.
     *
     * @param topic the topic
     * @param payload the payload
     */
    protected abstract void publishWithPosition(String topic, byte[] payload);

    /**
     * Makes the broker lose a topic's history and position, as a broker restarted empty would.
     *
     * @param topic the topic
     */
    protected abstract void loseHistory(String topic);

    @Test
    void historyIsACapabilityAndNamesItsTopics() {
        assertThat(source().capabilities().history()).isTrue();
        assertThat(source().hasHistory("tck.h.a")).isTrue();
        assertThat(source().hasHistory("tck.plain.a")).isFalse();
    }

    @Test
    void historyPositionsGrowByOneInOneEpoch() throws Exception {
        await(source().subscribe("tck.h.grow"));
        Position top = read("tck.h.grow", HistoryQuery.latest(0)).top();
        for (int i = 0; i < 5; i++) {
            publishWithPosition("tck.h.grow", bytes("m" + i));
        }
        Position previous = top;
        for (int i = 0; i < 5; i++) {
            Message m = recorder().next().message();
            assertThat(m.position()).as("position of m" + i).isNotNull();
            assertThat(m.position().follows(previous)).as(m.position() + " follows " + previous).isTrue();
            assertThat(m.id()).isEqualTo(m.position().toString());
            previous = m.position();
        }
        assertThat(read("tck.h.grow", HistoryQuery.latest(0)).top()).isEqualTo(previous);
    }

    @Test
    void historyTopOfATopicNothingWasPublishedToIsStable() throws Exception {
        Position first = read("tck.h.fresh", HistoryQuery.latest(0)).top();
        assertThat(first.offset()).isZero();
        assertThat(read("tck.h.fresh", HistoryQuery.latest(0)).top()).isEqualTo(first);
        await(source().subscribe("tck.h.fresh"));
        publishWithPosition("tck.h.fresh", bytes("one"));
        assertThat(recorder().next().message().position()).isEqualTo(first.plus(1));
    }

    @Test
    void historySinceReturnsExactlyTheMessagesAfterAPosition() throws Exception {
        List<Message> live = publishAndReceive("tck.h.since", 10);
        Position from = live.get(2).position();
        HistoryRead read = read("tck.h.since", HistoryQuery.since(from.offset(), 100));
        assertThat(read.top()).isEqualTo(live.get(9).position());
        assertThat(read.recoversFrom(from)).isTrue();
        assertThat(read.messages().subList(read.firstAfter(from.offset()), read.messages().size()))
                .isEqualTo(live.subList(3, 10));
        assertThat(read("tck.h.since", HistoryQuery.since(live.get(9).position().offset(), 100)).recoversFrom(
                live.get(9).position())).as("nothing missed is recoverable too").isTrue();
    }

    @Test
    void historyLatestReturnsTheLastMessages() throws Exception {
        List<Message> live = publishAndReceive("tck.h.latest", 10);
        assertThat(read("tck.h.latest", HistoryQuery.latest(3)).messages()).isEqualTo(live.subList(7, 10));
        assertThat(read("tck.h.latest", HistoryQuery.latest(100)).messages()).isEqualTo(live);
    }

    @Test
    void historyTrimmedPastAPositionDoesNotRecoverIt() throws Exception {
        List<Message> live = publishAndReceive("tck.h.trim", historySize() + 5);
        Position first = live.get(0).position();
        HistoryRead read = read("tck.h.trim", HistoryQuery.since(first.offset(), historySize() * 2));
        assertThat(read.recoversFrom(first)).isFalse();
        assertThat(read.messages()).hasSizeLessThanOrEqualTo(historySize());
        Position recent = live.get(10).position();
        assertThat(read("tck.h.trim", HistoryQuery.since(recent.offset(), historySize() * 2))
                .recoversFrom(recent)).isTrue();
    }

    @Test
    void historyOverTheLimitDoesNotRecover() throws Exception {
        List<Message> live = publishAndReceive("tck.h.limit", 10);
        Position from = live.get(0).position();
        assertThat(read("tck.h.limit", HistoryQuery.since(from.offset(), 5)).recoversFrom(from)).isFalse();
        assertThat(read("tck.h.limit", HistoryQuery.since(from.offset(), 9)).recoversFrom(from)).isTrue();
    }

    @Test
    void historyLostStartsANewEpoch() throws Exception {
        List<Message> before = publishAndReceive("tck.h.lost", 3);
        Position old = before.get(2).position();
        loseHistory("tck.h.lost");
        publishWithPosition("tck.h.lost", bytes("after"));
        Position now = recorder().next().message().position();
        assertThat(now.sameEpoch(old)).isFalse();
        assertThat(now.offset()).isEqualTo(1);
        assertThat(read("tck.h.lost", HistoryQuery.since(old.offset(), 100)).recoversFrom(old)).isFalse();
        Position stranger = Position.of(1, "NotAnEpoch0");
        assertThat(read("tck.h.lost", HistoryQuery.since(1, 100)).recoversFrom(stranger)).isFalse();
    }

    @Test
    void historyConcurrentPublishersGetContiguousOffsetsInDeliveryOrder() throws Exception {
        await(source().subscribe("tck.h.conc"));
        Position top = read("tck.h.conc", HistoryQuery.latest(0)).top();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> publishers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                publishers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 50; i++) {
                        publishWithPosition("tck.h.conc", bytes("x"));
                    }
                }, threads));
            }
            for (CompletableFuture<Void> publisher : publishers) {
                await(publisher);
            }
        } finally {
            threads.shutdownNow();
        }
        Position previous = top;
        for (int i = 0; i < 200; i++) {
            Position p = recorder().next().message().position();
            assertThat(p.follows(previous)).as(p + " follows " + previous).isTrue();
            previous = p;
        }
    }

    @Test
    void historyTopicsWithoutItHaveNoPositions() throws Exception {
        await(source().subscribe("tck.plain.x"));
        publishWithPosition("tck.plain.x", bytes("plain"));
        assertThat(recorder().next().message().position()).isNull();
    }

    private List<Message> publishAndReceive(String topic, int n) throws Exception {
        await(source().subscribe(topic));
        for (int i = 0; i < n; i++) {
            publishWithPosition(topic, bytes(topic + "#" + i));
        }
        List<Message> live = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            live.add(recorder().next().message());
        }
        return live;
    }

    /**
     * Reads history, waiting at most {@link #TIMEOUT}.
     *
     * @param topic the topic
     * @param query the query
     * @return what was read
     * @throws Exception when the read failed or timed out
     */
    protected final HistoryRead read(String topic, HistoryQuery query) throws Exception {
        return source().readHistory(topic, query).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
