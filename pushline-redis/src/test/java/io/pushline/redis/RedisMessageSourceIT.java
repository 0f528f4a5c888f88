package io.pushline.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.pushline.Message;
import io.pushline.SourceException;
import io.pushline.SourceState;
import io.pushline.test.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisMessageSource} and {@link RedisPublisher} against a private {@code redis-server}, outages included. */
class RedisMessageSourceIT {
    private static final Duration TIMEOUT = RecordingListener.TIMEOUT;

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @AfterEach
    void redisRunsAgain() {
        redis.start();
    }

    @Test
    void reportsDownThenUpAndResubscribesByItselfAfterAnOutage() throws Exception {
        RecordingListener listener = new RecordingListener();
        listener.throwOnStateChange = true;
        try (RedisMessageSource source = RedisMessageSource.create(redis.uri())) {
            source.start(listener);
            assertThat(source.state()).isEqualTo(SourceState.UP);
            get(source.subscribe("it.outage"));
            get(source.psubscribe("it.outage.p.*"));

            redis.stop();
            await().atMost(TIMEOUT).until(() -> source.state() == SourceState.DOWN);
            redis.start();
            await().atMost(TIMEOUT).until(() -> listener.resubscribed.get() == 1);
            assertThat(listener.states).containsExactly(SourceState.DOWN, SourceState.UP);

            // the re-subscription is reported once Redis confirmed what the source sent again
            assertThat(redis.channels()).contains("it.outage");
            assertThat(redis.numpat()).isEqualTo(1);
            await().atMost(TIMEOUT).until(() -> {
                redis.publish("it.outage", bytes("again"));
                return !listener.messages.isEmpty();
            });
            RecordingListener.Received plain = listener.next();
            assertThat(plain.pattern).isNull();
            assertThat(plain.message).isEqualTo(Message.of("it.outage", bytes("again")));

            // the polling above may have published "again" more than once: look for the pattern delivery itself
            await().atMost(TIMEOUT).until(() -> {
                redis.publish("it.outage.p.x", bytes("pattern again"));
                return listener.messages.stream().anyMatch(r -> r.pattern != null);
            });
            RecordingListener.Received matched = listener.messages.stream().filter(r -> r.pattern != null)
                    .findFirst().orElseThrow();
            assertThat(matched.pattern).isEqualTo("it.outage.p.*");
            assertThat(matched.message).isEqualTo(Message.of("it.outage.p.x", bytes("pattern again")));
        }
    }

    @Test
    void neverShutsDownACallerOwnedClient() throws Exception {
        RedisClient client = RedisClient.create();
        try {
            RecordingListener listener = new RecordingListener();
            RedisMessageSource source = RedisMessageSource.create(client, RedisURI.create(redis.uri()));
            source.start(listener);
            get(source.subscribe("it.owned"));
            get(source.publish(Message.of("it.owned", bytes("via the caller's client"))));
            assertThat(listener.next().message.payload()).isEqualTo(bytes("via the caller's client"));
            assertThat(source.toString()).contains(redis.uri());

            source.close();
            // both of the source's connections are gone, and only them
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(redis.channels()).doesNotContain("it.owned"));
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(clientCount()).isEqualTo(1));
            try (StatefulRedisConnection<String, String> still = client.connect(RedisURI.create(redis.uri()))) {
                assertThat(still.sync().ping()).isEqualTo("PONG");
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void publisherRoundTripReturnsTheReceiverCount() throws Exception {
        RecordingListener listener = new RecordingListener();
        RedisPublisher publisher = RedisPublisher.create(redis.uri());
        try (RedisMessageSource source = RedisMessageSource.create(redis.uri())) {
            source.start(listener);
            get(source.subscribe("it.pub"));
            get(source.psubscribe("it.pu*"));

            assertThat(get(publisher.publish("it.pub", "héllo"))).isEqualTo(2L);
            List<RecordingListener.Received> got = List.of(listener.next(), listener.next());
            assertThat(got).extracting(r -> r.pattern).containsExactlyInAnyOrder(null, "it.pu*");
            assertThat(got).extracting(r -> r.message).containsOnly(Message.of("it.pub", "héllo".getBytes(UTF_8)));

            byte[] all = new byte[256];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) i;
            }
            assertThat(get(publisher.publish("it.pub", all))).isEqualTo(2L);
            assertThat(listener.next().message.payload()).isEqualTo(all);
            assertThat(listener.next().message.payload()).isEqualTo(all);

            assertThat(get(publisher.publish("it.nobody", "x"))).isZero();
            assertThat(publisher.toString()).isEqualTo("RedisPublisher[" + redis.uri() + "]");
        } finally {
            publisher.close();
        }
        assertThat(publisher.publish("it.pub", "late")).failsWithin(TIMEOUT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class);
    }

    @Test
    void pubsubChannelsAndNumpatFollowSubscriptions() throws Exception {
        RedisMessageSource source = RedisMessageSource.create(redis.uri());
        source.start(new RecordingListener());
        get(source.subscribe("it.ps.a"));
        get(source.subscribe("it.ps.b"));
        get(source.psubscribe("it.ps.*"));
        assertThat(channels("it.ps.")).containsExactly("it.ps.a", "it.ps.b");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(redis.numpat()).isEqualTo(1));

        get(source.unsubscribe("it.ps.a"));
        assertThat(channels("it.ps.")).containsExactly("it.ps.b");
        get(source.punsubscribe("it.ps.*"));
        // NUMPAT counts every client's patterns: wait for sources closed by earlier tests to be gone too
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(redis.numpat()).isZero());

        source.close();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(channels("it.ps.")).isEmpty());
    }

    @Test
    void dropsPatternMatchesOnChannelsThatAreNotValidTopicsAndCarriesOn() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (RedisMessageSource source = RedisMessageSource.create(redis.uri())) {
            source.start(listener);
            get(source.psubscribe("it.bad.*"));
            assertThat(redis.publish("it.bad.with space", bytes("dropped"))).isEqualTo(1);
            assertThat(redis.publish("it.bad.fine", bytes("kept"))).isEqualTo(1);
            RecordingListener.Received r = listener.next();
            assertThat(r.pattern).isEqualTo("it.bad.*");
            assertThat(r.message).isEqualTo(Message.of("it.bad.fine", bytes("kept")));
            assertThat(listener.messages).isEmpty();
        }
    }

    @Test
    void closeWhileRedisIsDownIsPromptAndLeavesNoThreads() throws Exception {
        Set<Thread> before = sourceThreads();
        RecordingListener listener = new RecordingListener();
        RedisMessageSource source = RedisMessageSource.create(redis.uri());
        source.start(listener);
        get(source.subscribe("it.down"));
        assertThat(sourceThreads()).isNotEmpty();

        redis.stop();
        await().atMost(TIMEOUT).until(() -> source.state() == SourceState.DOWN);
        CompletableFuture<Void> pending = source.subscribe("it.down.pending");
        assertThat(pending).isNotDone();

        long start = System.nanoTime();
        source.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isLessThan(Duration.ofSeconds(3));
        assertThat(pending).failsWithin(TIMEOUT).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(SourceException.class);
        assertThat(source.state()).isEqualTo(SourceState.DOWN);
        assertThat(listener.states).containsExactly(SourceState.DOWN);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(sourceThreads()).isSubsetOf(before));
    }

    @Test
    void changesMadeDuringAnOutageAreAppliedByTheResubscription() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (RedisMessageSource source = RedisMessageSource.create(redis.uri())) {
            source.start(listener);
            get(source.subscribe("it.q.kept"));
            get(source.subscribe("it.q.dropped"));
            get(source.psubscribe("it.q.p.*"));

            redis.stop();
            await().atMost(TIMEOUT).until(() -> source.state() == SourceState.DOWN);
            List<CompletableFuture<Void>> changes = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                changes.add(source.subscribe("it.q.queued" + i));
            }
            changes.add(source.unsubscribe("it.q.dropped"));
            changes.add(source.punsubscribe("it.q.p.*"));
            assertThat(changes).noneMatch(CompletableFuture::isDone);

            redis.start();
            await().atMost(TIMEOUT).until(() -> listener.resubscribed.get() == 1);
            for (CompletableFuture<Void> f : changes) {
                get(f); // none fails, none hangs
            }
            assertThat(redis.channels()).contains("it.q.kept", "it.q.queued0", "it.q.queued99")
                    .doesNotContain("it.q.dropped");
            assertThat(redis.numpat()).isZero();
            redis.publish("it.q.kept", bytes("after"));
            assertThat(listener.next().message).isEqualTo(Message.of("it.q.kept", bytes("after")));
        }
    }

    @Test
    void aSourceFarBehindRedisSkipsMessagesInsteadOfBeingCutOff() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (RedisMessageSource source = RedisMessageSource.create(redis.uri())) {
            source.start(listener);
            get(source.subscribe("it.lag"));
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            listener.gate = gate;
            byte[] chunk = new byte[4096];
            java.util.Arrays.fill(chunk, (byte) 'x');
            redis.publish("it.lag", bytes("first")); // stalls the source's thread in the listener
            // 20 MiB piles up in Redis for us (below its 32 MiB cut-off) while the source cannot read
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                published.add(source.publish(Message.of("it.lag", chunk)));
            }
            get(CompletableFuture.allOf(published.toArray(new CompletableFuture<?>[0])));
            gate.countDown();
            // a marker published while the source is still skipping may be skipped too: publish until one arrives
            java.util.concurrent.atomic.AtomicInteger markers = new java.util.concurrent.atomic.AtomicInteger();
            await().atMost(TIMEOUT).until(() -> {
                markers.incrementAndGet();
                redis.publish("it.lag", bytes("marker"));
                return listener.messages.stream()
                        .anyMatch(r -> java.util.Arrays.equals(r.message.payload(), bytes("marker")));
            });
            await().atMost(TIMEOUT).until(() -> listener.messages.size() - 1 + listener.shed.get()
                    == 5_000 + markers.get());
            assertThat(listener.shed.get()).as("skipped to catch up").isPositive();
            assertThat(listener.states).as("never cut off").isEmpty();
            assertThat(source.state()).isEqualTo(SourceState.UP);
        }
    }

    private static List<String> channels(String prefix) {
        return redis.channels().stream().filter(c -> c.startsWith(prefix)).collect(Collectors.toList());
    }

    private static long clientCount() {
        String list = (String) redis.command("CLIENT", "LIST");
        return list.lines().filter(line -> !line.isBlank()).count();
    }

    private static Set<Thread> sourceThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && (t.getName().startsWith("lettuce-") || t.getName().startsWith("pushline-redis-sub")))
                .collect(Collectors.toSet());
    }

    private static <T> T get(CompletableFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
