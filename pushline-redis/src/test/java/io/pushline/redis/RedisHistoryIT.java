package io.pushline.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * History on Redis beyond the TCK: what plain and enveloped Pub/Sub messages become, expiry, a Redis restarted
 * empty, trimming, binary payloads and concurrent {@link RedisPublisher}s, against a private {@code redis-server}.
 * History topics start with {@code h.}.
 */
class RedisHistoryIT {
    private static final Duration TIMEOUT = RecordingListener.TIMEOUT;
    private static final HistoryOptions HISTORY = HistoryOptions.builder().size(20)
            .topics(t -> t.startsWith("h.")).build();

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void redisRunsAgain() {
        redis.start();
    }

    @Test
    void aPlainPublishOnAHistoryTopicIsDeliveredWithoutPosition() throws Exception {
        RedisMessageSource source = started(HISTORY);
        get(source.subscribe("h.plain"));
        redis.publish("h.plain", bytes("raw"));
        Message m = listener.next().message;
        assertThat(m.position()).isNull();
        assertThat(m.id()).isNull();
        assertThat(m.payload()).isEqualTo(bytes("raw"));
    }

    @Test
    void anEnvelopeOnATopicWithoutHistoryIsDeliveredStrippedWithoutPosition() throws Exception {
        RedisMessageSource source = started(HISTORY);
        get(source.subscribe("p.env"));
        redis.publish("p.env", EnvelopeTest.envelope("42.Xk3v9QaZ", bytes("inside")));
        // a publisher whose options name the topic while the source's do not
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()),
                HistoryOptions.builder().topics(t -> t.startsWith("p.")).build()));
        Position given = get(publisher.publishWithPosition("p.env", bytes("scripted")));
        assertThat(given.offset()).isEqualTo(1);
        for (String expected : List.of("inside", "scripted")) {
            Message m = listener.next().message;
            assertThat(m.position()).isNull();
            assertThat(m.id()).isNull();
            assertThat(m.payload()).isEqualTo(bytes(expected));
        }
    }

    @Test
    void aMalformedEnvelopeIsDeliveredUnchangedWithoutPosition() throws Exception {
        RedisMessageSource source = started(HISTORY);
        get(source.subscribe("h.bad"));
        List<byte[]> malformed = List.of(bytes("\0PL1 "), bytes("\0PL1 no-space-after-the-token"),
                bytes("\0PL1 x.abc payload"), bytes("\0PL1 1.bad!epoch payload"));
        for (byte[] payload : malformed) {
            redis.publish("h.bad", payload);
        }
        for (byte[] payload : malformed) {
            Message m = listener.next().message;
            assertThat(m.position()).isNull();
            assertThat(m.payload()).isEqualTo(payload);
        }
    }

    @Test
    void patternDeliveriesCarryPositionsToo() throws Exception {
        RedisMessageSource source = started(HISTORY);
        get(source.psubscribe("h.pat.*"));
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        Position given = get(publisher.publishWithPosition("h.pat.x", bytes("matched")));
        RecordingListener.Received r = listener.next();
        assertThat(r.pattern).isEqualTo("h.pat.*");
        assertThat(r.message.topic()).isEqualTo("h.pat.x");
        assertThat(r.message.position()).isEqualTo(given);
        assertThat(r.message.payload()).isEqualTo(bytes("matched"));
    }

    @Test
    void afterTheStreamExpiredNothingMissedStillRecoversAndAfterTheMetaExpiredANewEpochStarts() throws Exception {
        HistoryOptions shortLived = HistoryOptions.builder().size(20).ttl(Duration.ofSeconds(1))
                .metaTtl(Duration.ofSeconds(4)).topics(t -> t.startsWith("h.")).build();
        RedisMessageSource source = started(shortLived);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), shortLived));
        Position first = get(publisher.publishWithPosition("h.ttl", bytes("1")));
        get(publisher.publishWithPosition("h.ttl", bytes("2")));
        Position top = get(publisher.publishWithPosition("h.ttl", bytes("3")));
        assertThat(pttl(RedisKeys.stream("h.ttl"))).isBetween(1L, 1_000L);
        assertThat(pttl(RedisKeys.meta("h.ttl"))).isBetween(1_001L, 4_000L);
        assertThat(get(source.readHistory("h.ttl", HistoryQuery.since(first.offset(), 10))).recoversFrom(first))
                .isTrue();

        await().atMost(TIMEOUT).until(() -> !exists(RedisKeys.stream("h.ttl")));
        HistoryRead nothingMissed = get(source.readHistory("h.ttl", HistoryQuery.since(top.offset(), 10)));
        assertThat(nothingMissed.top()).isEqualTo(top);
        assertThat(nothingMissed.recoversFrom(top)).isTrue();
        HistoryRead expired = get(source.readHistory("h.ttl", HistoryQuery.since(first.offset(), 10)));
        assertThat(expired.messages()).isEmpty();
        assertThat(expired.recoversFrom(first)).isFalse();

        await().atMost(TIMEOUT).until(() -> !exists(RedisKeys.meta("h.ttl")));
        Position fresh = get(source.readHistory("h.ttl", HistoryQuery.latest(0))).top();
        assertThat(fresh.sameEpoch(top)).isFalse();
        assertThat(fresh.offset()).isZero();
        assertThat(pttl(RedisKeys.meta("h.ttl"))).as("a read gives the meta it writes the meta TTL")
                .isBetween(1_001L, 4_000L);
        assertThat(get(publisher.publishWithPosition("h.ttl", bytes("4")))).isEqualTo(fresh.plus(1));
    }

    @Test
    void redisRestartedEmptyGivesANewEpochOnTheNextReadOrPublish() throws Exception {
        RedisMessageSource source = started(HISTORY);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        Position readBefore = get(publisher.publishWithPosition("h.restart.read", bytes("x")));
        Position publishedBefore = get(publisher.publishWithPosition("h.restart.pub", bytes("x")));
        assertThat(get(source.readHistory("h.restart.read", HistoryQuery.latest(0))).top()).isEqualTo(readBefore);

        redis.restart();
        HistoryRead read = get(source.readHistory("h.restart.read", HistoryQuery.since(readBefore.offset(), 10)));
        assertThat(read.top().sameEpoch(readBefore)).isFalse();
        assertThat(read.top().offset()).isZero();
        assertThat(read.recoversFrom(readBefore)).isFalse();
        Position publishedAfter = get(publisher.publishWithPosition("h.restart.pub", bytes("y")));
        assertThat(publishedAfter.sameEpoch(publishedBefore)).isFalse();
        assertThat(publishedAfter.offset()).isEqualTo(1);
        assertThat(get(publisher.publishWithPosition("h.restart.read", bytes("z")))).isEqualTo(read.top().plus(1));
    }

    @Test
    void scriptsRedisForgotAreSentAgain() throws Exception {
        RedisMessageSource source = started(HISTORY);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        Position first = get(publisher.publishWithPosition("h.flush", bytes("1")));
        get(source.readHistory("h.flush", HistoryQuery.latest(0)));
        assertThat(redis.command("SCRIPT", "EXISTS", HistoryScript.PUBLISH.sha(), HistoryScript.READ.sha()))
                .isEqualTo(List.of(1L, 1L));
        redis.command("SCRIPT", "FLUSH");
        assertThat(get(publisher.publishWithPosition("h.flush", bytes("2")))).isEqualTo(first.plus(1));
        assertThat(get(source.readHistory("h.flush", HistoryQuery.latest(0))).top()).isEqualTo(first.plus(1));
        assertThat(redis.command("SCRIPT", "EXISTS", HistoryScript.PUBLISH.sha(), HistoryScript.READ.sha()))
                .isEqualTo(List.of(1L, 1L));
    }

    @Test
    void theStreamIsTrimmedToExactlyTheSize() throws Exception {
        HistoryOptions five = HistoryOptions.builder().size(5).topics(t -> t.startsWith("h.")).build();
        RedisMessageSource source = started(five);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), five));
        List<Position> given = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            given.add(get(publisher.publishWithPosition("h.trim", bytes("m" + i))));
        }
        assertThat(redis.command("XLEN", RedisKeys.stream("h.trim"))).isEqualTo(5L);
        HistoryRead latest = get(source.readHistory("h.trim", HistoryQuery.latest(100)));
        assertThat(latest.messages()).extracting(Message::position).containsExactlyElementsOf(given.subList(7, 12));
        assertThat(latest.messages()).extracting(m -> new String(m.payload(), UTF_8))
                .containsExactly("m7", "m8", "m9", "m10", "m11");
        assertThat(get(source.readHistory("h.trim", HistoryQuery.since(given.get(6).offset(), 100)))
                .recoversFrom(given.get(6))).isTrue();
        assertThat(get(source.readHistory("h.trim", HistoryQuery.since(given.get(5).offset(), 100)))
                .recoversFrom(given.get(5))).isFalse();
    }

    @Test
    void binaryPayloadsRoundTripThroughPublishLiveDeliveryAndHistory() throws Exception {
        RedisMessageSource source = started(HISTORY);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        get(source.subscribe("h.bin"));
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        byte[] lookalike = EnvelopeTest.envelope("7.abc", all);
        List<byte[]> payloads = List.of(all, new byte[0], lookalike);
        for (byte[] p : payloads) {
            get(source.publish(Message.of("h.bin", p)));
            assertThat(get(publisher.publish("h.bin", p))).as("receivers").isEqualTo(1L);
        }
        List<Message> live = new ArrayList<>();
        for (int i = 0; i < 2 * payloads.size(); i++) {
            Message m = listener.next().message;
            assertThat(m.payload()).isEqualTo(payloads.get(i / 2));
            assertThat(m.position()).isNotNull();
            if (!live.isEmpty()) {
                assertThat(m.position().follows(live.get(live.size() - 1).position())).isTrue();
            }
            live.add(m);
        }
        assertThat(get(source.readHistory("h.bin", HistoryQuery.latest(live.size()))).messages())
                .isEqualTo(live);
    }

    @Test
    void concurrentPublishersGetContiguousOffsetsInLiveDeliveryOrder() throws Exception {
        RedisMessageSource source = started(HISTORY);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        // the connection is open and Redis knows the script: nothing below waits for either
        get(publisher.publishWithPosition("h.conc", bytes("warm-up")));
        get(source.subscribe("h.conc"));
        Position top = get(source.readHistory("h.conc", HistoryQuery.latest(0))).top();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<CompletableFuture<List<Position>>> publishers = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                int thread = t;
                publishers.add(CompletableFuture.supplyAsync(() -> {
                    List<CompletableFuture<Position>> mine = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        mine.add(publisher.publishWithPosition("h.conc", bytes(thread + "/" + i)));
                    }
                    return mine.stream().map(CompletableFuture::join).toList();
                }, threads));
            }
            Set<Position> given = new HashSet<>();
            for (CompletableFuture<List<Position>> p : publishers) {
                List<Position> mine = get(p);
                for (int i = 1; i < mine.size(); i++) {
                    assertThat(mine.get(i).offset()).as("one thread's publishes keep their order")
                            .isGreaterThan(mine.get(i - 1).offset());
                }
                given.addAll(mine);
            }
            Position previous = top;
            Set<Position> delivered = new HashSet<>();
            for (int i = 0; i < 400; i++) {
                Position p = listener.next().message.position();
                assertThat(p.follows(previous)).as(p + " follows " + previous).isTrue();
                delivered.add(p);
                previous = p;
            }
            assertThat(delivered).isEqualTo(given);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void publishesMadeWhileTheConnectionOpensKeepTheirOrder() throws Exception {
        redis.command("SCRIPT", "LOAD", HistoryScript.PUBLISH.text()); // no NOSCRIPT retry can reorder them
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        List<CompletableFuture<Position>> given = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            given.add(publisher.publishWithPosition("h.first", bytes("m" + i)));
        }
        Position previous = get(given.get(0));
        for (int i = 1; i < given.size(); i++) {
            Position p = get(given.get(i));
            assertThat(p.follows(previous)).as("publish " + i + ": " + p + " follows " + previous).isTrue();
            previous = p;
        }
    }

    @Test
    void failuresNameTheTopic() throws Exception {
        RedisMessageSource source = started(HISTORY);
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), HISTORY));
        redis.command("SET", RedisKeys.meta("h.wrongtype"), "not a hash");
        assertThat(source.readHistory("h.wrongtype", HistoryQuery.latest(1))).failsWithin(TIMEOUT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class)
                .withMessageContaining("h.wrongtype");
        assertThat(source.publish(Message.of("h.wrongtype", "x"))).failsWithin(TIMEOUT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class)
                .withMessageContaining("h.wrongtype");
        assertThat(source.readHistory("p.none", HistoryQuery.latest(1))).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> publisher.publishWithPosition("p.none", bytes("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p.none");
        assertThat(publisher.hasHistory("h.x")).isTrue();
        assertThat(publisher.hasHistory("p.x")).isFalse();
        assertThat(source.capabilities().history()).isTrue();
        try (RedisMessageSource plain = RedisMessageSource.create(redis.uri())) {
            assertThat(plain.capabilities().history()).isFalse();
            assertThat(plain.hasHistory("h.x")).isFalse();
        }
    }

    private RedisMessageSource started(HistoryOptions history) {
        RedisMessageSource source = closer.add(RedisMessageSource.create(RedisURI.create(redis.uri()), history));
        source.start(listener);
        return source;
    }

    private static long pttl(String key) {
        return (Long) redis.command("PTTL", key);
    }

    private static boolean exists(String key) {
        return (Long) redis.command("EXISTS", key) == 1;
    }

    private static <T> T get(CompletableFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
