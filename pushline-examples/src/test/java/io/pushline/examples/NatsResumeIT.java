package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.netty.PushServer;
import io.pushline.nats.NatsMessageSource;
import io.pushline.nats.NatsPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.NatsServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * NATS restarted under a Pushline server mid-stream: TCP clients stay connected, the source re-subscribes, and with
 * JetStream history nothing is lost (every client reads every offset in order); a server that lost its storage is
 * announced as lost. Clients speak the wire protocol directly.
 */
class NatsResumeIT {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final AtomicInteger resubscribed = new AtomicInteger();

    private PushServer server(HistoryOptions history) {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(NatsMessageSource.create(nats.url(), history)).listener(new PushListener() {
                    @Override
                    public void sourceResubscribed() {
                        resubscribed.incrementAndGet();
                    }
                }).build().start());
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
    void natsRestartedTwiceMidStreamLosesNothingAndClientsStayConnected() throws Exception {
        HistoryOptions history = HistoryOptions.builder().size(10_000).build();
        PushServer server = server(history);
        NatsPublisher publisher = closer.add(NatsPublisher.builder().url(nats.url()).history(history)
                .requestTimeout(Duration.ofSeconds(1)).build());
        Position start = publisher.publishWithPosition("live", bytes("first")).get(10, TimeUnit.SECONDS);
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(subscriber(server, "live"));
        }
        int messages = 6_000; // 3 s at 2,000 msg/s, and the restarts
        AtomicLong published = new AtomicLong();
        AtomicReference<Position> top = new AtomicReference<>(start);
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                long begin = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    LockSupport.parkNanos(begin + i * 500_000L - System.nanoTime()); // 2,000 msg/s
                    top.set(publishUntilStored(publisher, "live", bytes("m" + i)));
                    published.incrementAndGet();
                }
            }, threads);
            for (int restarts = 1; restarts <= 2; restarts++) {
                long before = published.get();
                await().atMost(Duration.ofSeconds(20)).until(() -> published.get() >= before + 1_000);
                nats.restart();
                int expected = restarts;
                await().atMost(Duration.ofSeconds(20)).until(() -> resubscribed.get() >= expected);
            }
            publishing.get(60, TimeUnit.SECONDS);
            long lastOffset = top.get().offset();
            List<CompletableFuture<Void>> readers = new ArrayList<>();
            for (TcpTestClient c : clients) {
                readers.add(CompletableFuture.runAsync(() -> readContiguously(c, "live", start, lastOffset), threads));
            }
            for (CompletableFuture<Void> r : readers) {
                r.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(top.get().sameEpoch(start)).as("the stream survived the restarts").isTrue();
        assertThat(server.clients()).hasSize(5);
        assertThat(server.metrics().history().topicsLost()).isZero();
        assertThat(resubscribed.get()).isEqualTo(2);
    }

    @Test
    void aNatsServerThatLostItsStreamsIsAnnouncedAsLost() throws Exception {
        PushServer server = server(HistoryOptions.defaults());
        NatsPublisher publisher = closer.add(NatsPublisher.create(nats.url(), HistoryOptions.defaults()));
        TcpTestClient c = subscriber(server, "epoch");
        Position p = publisher.publishWithPosition("epoch", bytes("before")).get(10, TimeUnit.SECONDS);
        assertThat(c.readLine()).isEqualTo("MSG epoch " + p + " before");
        int seen = resubscribed.get();
        nats.restartEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> resubscribed.get() > seen);
        String notice = c.readLine();
        assertThat(notice).startsWith("MSG $lost ").endsWith(" epoch");
        Position continueFrom = Position.parse(notice.split(" ")[2]).orElseThrow();
        assertThat(continueFrom.sameEpoch(p)).isFalse();
        Position after = publisher.publishWithPosition("epoch", bytes("after")).get(10, TimeUnit.SECONDS);
        assertThat(after.follows(continueFrom)).isTrue();
        assertThat(c.readLine()).isEqualTo("MSG epoch " + after + " after");
        TcpTestClient late = closer.add(new TcpTestClient(server.port()));
        late.send("SUB epoch FROM " + p + "\r\n");
        assertThat(late.readLine()).isEqualTo("+OK " + after + " LOST");
    }

    /** Publishes with a position, again after a failure (NATS restarting), until JetStream stored it. */
    private static Position publishUntilStored(NatsPublisher publisher, String topic, byte[] payload) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return publisher.publishWithPosition(topic, payload).get(2, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not stored within 30 s", e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // NATS is restarting: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
