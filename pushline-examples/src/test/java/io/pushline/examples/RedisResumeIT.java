package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.ResumeOutcome;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerLimits;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.ResumingLineClient;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resume and gap repair end to end on a private {@code redis-server}: the subscriber connection killed by Redis
 * ten times mid-stream, Redis restarted empty, a thousand resumes under a flat-out publisher, and history that no
 * longer reaches back. Clients here speak the wire protocol directly (no client library), so what they get is what
 * the server did.
 */
class RedisResumeIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final AtomicInteger resubscribed = new AtomicInteger();

    private PushServer server(HistoryOptions history, ServerLimits limits) {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(RedisMessageSource.create(RedisURI.create(redis.uri()), history)).limits(limits)
                .listener(new PushListener() {
                    @Override
                    public void sourceResubscribed() {
                        resubscribed.incrementAndGet();
                    }
                }).build().start());
    }

    private RedisPublisher publisher(HistoryOptions history) {
        return closer.add(RedisPublisher.create(RedisURI.create(redis.uri()), history));
    }

    private TcpTestClient subscriber(PushServer server, String topic) {
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("SUB " + topic + "\r\n");
        assertThat(c.readLine()).startsWith("+OK ");
        return c;
    }

    /** Reads pushes until the one at {@code lastOffset}, checking that each follows the one before. */
    private static void readContiguously(TcpTestClient c, String topic, Position from, long lastOffset) {
        Position last = from;
        while (last.offset() < lastOffset) {
            String line = c.readLine();
            String[] parts = line.split(" ", 4);
            Position p = parts[1].equals(topic) ? Position.parse(parts[2]).orElse(null) : null;
            if (p == null || !p.follows(last)) {
                throw new AssertionError("after " + last + " came: " + line);
            }
            last = p;
        }
    }

    @Test
    void theSubscriberConnectionKilledTenTimesMidStreamLosesNothing() throws Exception {
        HistoryOptions history = HistoryOptions.defaults();
        PushServer server = server(history, ServerLimits.DEFAULT);
        RedisPublisher publisher = publisher(history);
        Position start = publisher.publishWithPosition("live", "first".getBytes(StandardCharsets.UTF_8)).join();
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(subscriber(server, "live"));
        }
        int messages = 10_000; // 5 s at 2,000 msg/s
        AtomicLong published = new AtomicLong();
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                long begin = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    long due = begin + i * 500_000L;
                    LockSupport.parkNanos(due - System.nanoTime()); // pacing the publisher at 2,000 msg/s
                    publisher.publish("live", ("m" + i).getBytes(StandardCharsets.UTF_8)).join();
                    published.incrementAndGet();
                }
            }, threads);
            int kills = 0;
            while (kills < 10) {
                long before = published.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> published.get() >= before + 300);
                long killed = (Long) redis.command("CLIENT", "KILL", "TYPE", "pubsub");
                assertThat(killed).isEqualTo(1);
                kills++;
                int seen = resubscribed.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> resubscribed.get() > seen);
            }
            publishing.get(60, TimeUnit.SECONDS);
            long lastOffset = start.offset() + messages;
            List<CompletableFuture<Void>> readers = new ArrayList<>();
            Position top = start; // every client subscribed after "first": the next message is start + 1
            for (TcpTestClient c : clients) {
                readers.add(CompletableFuture.runAsync(() -> readContiguously(c, "live", top, lastOffset), threads));
            }
            for (CompletableFuture<Void> r : readers) {
                r.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(server.metrics().history().gapsRepaired()).isPositive();
        assertThat(server.metrics().history().topicsLost()).isZero();
    }

    @Test
    void redisRestartedEmptyIsAnnouncedAsLostNeverASilentSuccess() throws Exception {
        HistoryOptions history = HistoryOptions.defaults();
        PushServer server = server(history, ServerLimits.DEFAULT);
        RedisPublisher publisher = publisher(history);
        TcpTestClient c = subscriber(server, "epoch");
        Position p = publisher.publishWithPosition("epoch", "before".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(c.readLine()).isEqualTo("MSG epoch " + p + " before");
        int seen = resubscribed.get();
        redis.restart(); // nothing is persisted: the history and its epoch are gone
        await().atMost(Duration.ofSeconds(15)).until(() -> resubscribed.get() > seen);
        String notice = c.readLine();
        assertThat(notice).startsWith("MSG $lost ").endsWith(" epoch");
        Position continueFrom = Position.parse(notice.split(" ")[2]).orElseThrow();
        assertThat(continueFrom.sameEpoch(p)).isFalse();
        TcpTestClient late = closer.add(new TcpTestClient(server.port()));
        late.send("SUB epoch FROM " + p + "\r\n");
        assertThat(late.readLine()).isEqualTo("+OK " + continueFrom + " LOST");
        Position after = publisher.publishWithPosition("epoch", "after".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(after.follows(continueFrom)).isTrue();
        assertThat(c.readLine()).isEqualTo("MSG epoch " + after + " after");
        assertThat(server.metrics().history().resumes()).containsEntry(ResumeOutcome.LOST_EPOCH, 1L);
    }

    @Test
    void historyThatNoLongerReachesBackGivesLostAndAPlainPublishHasNoPosition() {
        HistoryOptions history = HistoryOptions.builder().size(10).build();
        PushServer server = server(history, ServerLimits.builder().maxReplay(15, 1 << 20).build());
        RedisPublisher publisher = publisher(history);
        TcpTestClient c = subscriber(server, "short");
        Position first = publisher.publishWithPosition("short", "m0".getBytes(StandardCharsets.UTF_8)).join();
        for (int i = 1; i < 20; i++) {
            publisher.publish("short", ("m" + i).getBytes(StandardCharsets.UTF_8)).join();
        }
        readContiguously(c, "short", Position.of(first.offset() - 1, first.epoch()), first.offset() + 19);
        TcpTestClient d = closer.add(new TcpTestClient(server.port()));
        Position top = first.plus(19);
        d.send("SUB short FROM " + first + "\r\n"); // 19 behind, over the cap of 15
        assertThat(d.readLine()).isEqualTo("+OK " + top + " LOST");
        d.send("SUB short FROM " + first.plus(5) + "\r\n"); // 14 behind, but Redis keeps 10
        assertThat(d.readLine()).isEqualTo("+OK " + top + " LOST");
        d.send("SUB short FROM " + first.plus(12) + "\r\n");
        assertThat(d.readLine()).isEqualTo("+OK " + top + " RECOVERED 7");
        redis.publish("short", "plain".getBytes(StandardCharsets.UTF_8)); // around the history
        assertThat(c.readLine()).isEqualTo("MSG short - plain");
        assertThat(server.metrics().history().resumes()).containsEntry(ResumeOutcome.LOST_TOO_FAR, 1L)
                .containsEntry(ResumeOutcome.LOST_TRIMMED, 1L).containsEntry(ResumeOutcome.RECOVERED, 1L);
    }

    @Test
    void expiredHistoryGivesLostButAClientThatMissedNothingStillResumes() {
        HistoryOptions history = HistoryOptions.builder().ttl(Duration.ofSeconds(1)).metaTtl(Duration.ofMinutes(1))
                .build();
        PushServer server = server(history, ServerLimits.DEFAULT);
        RedisPublisher publisher = publisher(history);
        Position first = publisher.publishWithPosition("fleeting", "a".getBytes(StandardCharsets.UTF_8)).join();
        Position top = publisher.publishWithPosition("fleeting", "b".getBytes(StandardCharsets.UTF_8)).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> (Long) redis.command("EXISTS",
                "pushline:{fleeting}:fleeting:s") == 0); // the messages expired; the position did not
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("SUB fleeting FROM " + first + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK " + top + " LOST");
        c.send("SUB fleeting FROM " + top + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK " + top + " RECOVERED 0");
        assertThat(server.metrics().history().resumes()).containsEntry(ResumeOutcome.LOST_TRIMMED, 1L);
    }

    @Test
    void aThousandResumesUnderAFlatOutPublisherLoseAndRepeatNothing() throws Exception {
        int clients = 50;
        int resumes = 20;
        HistoryOptions history = HistoryOptions.builder().size(20_000).build();
        PushServer server = server(history, ServerLimits.builder().maxQueuedBytes(16 << 20)
                .maxReplay(20_000, 8 << 20).build());
        RedisPublisher publisher = publisher(history);
        AtomicLongArray positions = new AtomicLongArray(clients);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(clients + 1);
        try {
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                // flat out through Redis, at most 256 in flight, never more than 5,000 ahead of the slowest reader
                Semaphore window = new Semaphore(256);
                byte[] payload = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
                while (!done.get()) {
                    long slowest = Long.MAX_VALUE;
                    for (int i = 0; i < clients; i++) {
                        slowest = Math.min(slowest, positions.get(i));
                    }
                    if (published.get() - slowest > 5_000 || !window.tryAcquire()) {
                        Thread.yield();
                        continue;
                    }
                    published.incrementAndGet();
                    publisher.publish("storm", payload).whenComplete((n, e) -> window.release());
                }
            }, threads);
            List<CompletableFuture<ResumingLineClient>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int index = i;
                running.add(CompletableFuture.supplyAsync(() -> {
                    ResumingLineClient client = new ResumingLineClient("127.0.0.1", server.port(), "storm");
                    try {
                        client.run(resumes + 1, 5, 200, offset -> positions.set(index, offset));
                    } finally {
                        positions.set(index, Long.MAX_VALUE);
                    }
                    return client;
                }, threads));
            }
            long read = 0;
            for (CompletableFuture<ResumingLineClient> r : running) {
                ResumingLineClient client = r.get(180, TimeUnit.SECONDS);
                assertThat(client.resumes()).isEqualTo(resumes);
                read += client.read();
            }
            done.set(true);
            publishing.get(30, TimeUnit.SECONDS);
            System.out.printf("redis seam: %d messages published, %d read by %d clients over %d resumes%n",
                    published.get(), read, clients, clients * resumes);
        } finally {
            done.set(true);
            threads.shutdownNow();
        }
        assertThat(server.metrics().history().resumes().get(ResumeOutcome.RECOVERED))
                .isEqualTo((long) clients * resumes);
        assertThat(server.metrics().history().resumesLost()).isZero();
    }
}
