package io.pushline.nats;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * History in JetStream beyond the TCK: the stream a topic gets, plain and pattern deliveries, a restarted server
 * with and without its storage, trimming and expiry, idle streams swept, and publishers on other connections. History topics start
 * with {@code h.}.
 */
class NatsHistoryIT {
    private static final HistoryOptions HISTORY = HistoryOptions.builder().size(20)
            .topics(t -> t.startsWith("h.")).build();

    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void natsRunsAgain() {
        nats.start();
    }

    private NatsMessageSource started(HistoryOptions history) {
        NatsMessageSource source = closer.add(NatsMessageSource.create(nats.url(), history));
        source.start(listener);
        return source;
    }

    private NatsPublisher publisher(HistoryOptions history) {
        return closer.add(NatsPublisher.create(nats.url(), history));
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTopicGetsOneStreamNamedByItsEpochThatRepublishesToTheTopic() throws Exception {
        NatsMessageSource source = started(HISTORY);
        Position top = get(source.readHistory("h.layout", HistoryQuery.latest(0))).top();
        assertThat(top.offset()).isZero();
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        List<String> streams = outside.streamsOf("$PUSHLINE.H.h.layout");
        assertThat(streams).containsExactly("PUSHLINE_" + top.epoch());
        StreamInfo info = outside.jsm().getStreamInfo(streams.get(0));
        StreamConfiguration c = info.getConfiguration();
        assertThat(c.getSubjects()).containsExactly("$PUSHLINE.H.h.layout");
        assertThat(c.getMaxMsgs()).isEqualTo(20);
        assertThat(c.getMaxAge()).isEqualTo(HistoryOptions.DEFAULT_TTL);
        assertThat(c.getAllowDirect()).isTrue();
        assertThat(c.getRepublish().getDestination()).isEqualTo("h.layout");
        assertThat(get(source.readHistory("h.layout", HistoryQuery.latest(0))).top()).isEqualTo(top);
    }

    @Test
    void aPlainPublishHasNoPositionAndPatternsGetThePositionsPublishersWereGiven() throws Exception {
        NatsMessageSource source = started(HISTORY);
        get(source.subscribe("h.mixed"));
        get(source.psubscribe("h.*"));
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        outside.publish("h.mixed", bytes("plain"));
        for (int i = 0; i < 2; i++) {
            Message m = listener.next().message;
            assertThat(m.position()).isNull();
            assertThat(m.id()).isNull();
        }
        Position given = get(publisher(HISTORY).publishWithPosition("h.mixed", bytes("kept")));
        List<RecordingListener.Received> both = List.of(listener.next(), listener.next());
        assertThat(both).extracting(r -> r.pattern).containsExactlyInAnyOrder(null, "h.*");
        assertThat(both).allSatisfy(r -> {
            assertThat(r.message.position()).isEqualTo(given);
            assertThat(r.message.payload()).isEqualTo(bytes("kept"));
        });
    }

    @Test
    void aRestartKeepsTheEpochAndAServerThatLostItsStorageGivesANewOne() throws Exception {
        NatsMessageSource source = started(HISTORY);
        NatsPublisher publisher = publisher(HISTORY);
        Position before = get(publisher.publishWithPosition("h.restart", bytes("1")));
        nats.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> listener.resubscribed.get() == 1);
        Position after = get(publisher.publishWithPosition("h.restart", bytes("2")));
        assertThat(after).isEqualTo(before.plus(1));
        assertThat(get(source.readHistory("h.restart", HistoryQuery.since(before.offset() - 1, 10)))
                .recoversFrom(Position.of(before.offset() - 1, before.epoch()))).isTrue();

        nats.restartEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> listener.resubscribed.get() == 2);
        HistoryRead lost = get(source.readHistory("h.restart", HistoryQuery.since(after.offset(), 10)));
        assertThat(lost.top().sameEpoch(after)).isFalse();
        assertThat(lost.top().offset()).isZero();
        assertThat(lost.recoversFrom(after)).isFalse();
        assertThat(get(publisher.publishWithPosition("h.restart", bytes("3")))).isEqualTo(lost.top().plus(1));
    }

    @Test
    void theStreamKeepsTheSizeAndExpiredMessagesLeaveTheTopBehind() throws Exception {
        HistoryOptions shortLived = HistoryOptions.builder().size(5).ttl(Duration.ofSeconds(1))
                .topics(t -> t.startsWith("h.")).build();
        NatsMessageSource source = started(shortLived);
        NatsPublisher publisher = publisher(shortLived);
        List<Position> given = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            given.add(get(publisher.publishWithPosition("h.trim", bytes("m" + i))));
        }
        HistoryRead latest = get(source.readHistory("h.trim", HistoryQuery.latest(100)));
        assertThat(latest.messages()).extracting(Message::position).containsExactlyElementsOf(given.subList(7, 12));
        assertThat(latest.messages()).extracting(m -> new String(m.payload(), UTF_8))
                .containsExactly("m7", "m8", "m9", "m10", "m11");
        assertThat(get(source.readHistory("h.trim", HistoryQuery.since(given.get(6).offset(), 100)))
                .recoversFrom(given.get(6))).isTrue();
        assertThat(get(source.readHistory("h.trim", HistoryQuery.since(given.get(5).offset(), 100)))
                .recoversFrom(given.get(5))).isFalse();

        Position top = given.get(11);
        await().atMost(Duration.ofSeconds(10)).until(() -> get(source.readHistory("h.trim",
                HistoryQuery.latest(100))).messages().isEmpty());
        HistoryRead expired = get(source.readHistory("h.trim", HistoryQuery.since(top.offset(), 10)));
        assertThat(expired.top()).as("the stream keeps its last sequence").isEqualTo(top);
        assertThat(expired.recoversFrom(top)).as("a reader that missed nothing still resumes").isTrue();
        assertThat(get(source.readHistory("h.trim", HistoryQuery.since(given.get(10).offset(), 10)))
                .recoversFrom(given.get(10))).isFalse();
    }

    @Test
    void aStreamIdleForTheMetaTtlIsDeletedAndItsTopicStartsANewEpoch() throws Exception {
        HistoryOptions brief = HistoryOptions.builder().size(5).ttl(Duration.ofSeconds(1))
                .metaTtl(Duration.ofSeconds(2)).topics(t -> t.startsWith("h.")).build();
        NatsMessageSource source = started(brief);
        Position p = get(publisher(brief).publishWithPosition("h.idle", bytes("once")));
        Position fresh = get(source.readHistory("h.idle.never", HistoryQuery.latest(0))).top();
        NatsTestClient outside = closer.add(new NatsTestClient(nats.url()));
        assertThat(outside.streamsOf("$PUSHLINE.H.h.idle")).hasSize(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> outside.streamsOf("$PUSHLINE.H.h.idle").isEmpty()
                && outside.streamsOf("$PUSHLINE.H.h.idle.never").isEmpty());
        HistoryRead after = get(source.readHistory("h.idle", HistoryQuery.since(p.offset(), 10)));
        assertThat(after.top().sameEpoch(p)).isFalse();
        assertThat(after.top().offset()).isZero();
        assertThat(after.recoversFrom(p)).isFalse();
        assertThat(get(source.readHistory("h.idle.never", HistoryQuery.latest(0))).top().sameEpoch(fresh)).isFalse();
    }

    @Test
    void publishersOnOtherConnectionsShareOneSequence() throws Exception {
        NatsMessageSource source = started(HISTORY);
        get(source.subscribe("h.shared"));
        Position top = get(source.readHistory("h.shared", HistoryQuery.latest(0))).top();
        List<NatsPublisher> publishers = List.of(publisher(HISTORY), publisher(HISTORY));
        List<CompletableFuture<Position>> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sent.add(publishers.get(i % 2).publishWithPosition("h.shared", bytes("x" + i)));
        }
        for (CompletableFuture<Position> f : sent) {
            get(f);
        }
        // JetStream numbers the messages of both connections in one sequence, and republishes each once; with
        // publishers on several connections, republished messages may reach subscribers out of sequence order (the
        // server's Sequencer puts them back in order), so what must hold is: every offset once, in the one epoch
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Position p = listener.next().message.position();
            assertThat(p.sameEpoch(top)).as(p + " in the epoch of " + top).isTrue();
            offsets.add(p.offset());
        }
        List<Long> expected = new ArrayList<>();
        for (long o = top.offset() + 1; o <= top.offset() + 300; o++) {
            expected.add(o);
        }
        assertThat(offsets).containsExactlyInAnyOrderElementsOf(expected);
        Position previous = top.plus(300);
        HistoryRead all = get(source.readHistory("h.shared", HistoryQuery.latest(20)));
        assertThat(all.top()).isEqualTo(previous);
        assertThat(all.messages()).hasSize(20);
    }

    @Test
    void binaryAndEmptyPayloadsRoundTripThroughLiveDeliveryAndHistory() throws Exception {
        NatsMessageSource source = started(HISTORY);
        get(source.subscribe("h.bin"));
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        get(source.publish(Message.of("h.bin", all)));
        get(source.publish(Message.of("h.bin", new byte[0])));
        assertThat(listener.next().message.payload()).isEqualTo(all);
        assertThat(listener.next().message.payload()).isEmpty();
        List<Message> read = get(source.readHistory("h.bin", HistoryQuery.latest(2))).messages();
        assertThat(read.get(0).payload()).isEqualTo(all);
        assertThat(read.get(1).payload()).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
