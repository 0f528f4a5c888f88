package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.ResumeOutcome;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.ResumingLineClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seam between replay and live, attacked: 1,000 {@code SUB ... FROM} while a publisher runs flat out. Each of
 * 50 clients reconnects 21 times, reading a random number of messages per connection and cutting it abruptly;
 * across all its connections it must see every offset exactly once, in order. The in-memory source takes
 * publishes far faster than 50 socket readers can read them, so the publisher runs flat out but yields while it is
 * more than 50,000 messages ahead of the slowest client (history keeps 200,000, so every resume can recover).
 */
class ResumeSeamTest {
    private static final int CLIENTS = 50;
    private static final int RESUMES_PER_CLIENT = 20;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void aThousandResumesUnderAFlatOutPublisherLoseAndRepeatNothing() throws Exception {
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(
                HistoryOptions.builder().size(200_000).build());
        PushServer server = PushServer.builder().source(source).host("127.0.0.1").port(0)
                .protocol(Protocol.COMMANDS)
                .limits(ServerLimits.builder().maxQueuedBytes(16 * 1024 * 1024).maxReplay(200_000, 32 * 1024 * 1024)
                        .build())
                .build().start();
        closer.add(server);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS + 1);
        try {
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                byte[] payload = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
                while (!done.get()) {
                    if (published.get() - slowest() > 50_000) {
                        Thread.yield();
                        continue;
                    }
                    source.publish("seam", payload).join();
                    published.incrementAndGet();
                }
            }, threads);
            List<CompletableFuture<Long>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int index = i;
                clients.add(CompletableFuture.supplyAsync(() -> resumeRepeatedly(server.port(), index), threads));
            }
            long delivered = 0;
            for (CompletableFuture<Long> c : clients) {
                delivered += c.get(120, TimeUnit.SECONDS);
            }
            done.set(true);
            publisher.get(10, TimeUnit.SECONDS);
            System.out.printf("seam: %d messages published, %d read by %d clients over %d resumes%n",
                    published.get(), delivered, CLIENTS, CLIENTS * RESUMES_PER_CLIENT);
            assertThat(delivered).isPositive();
            assertThat(server.metrics().history().resumes().get(ResumeOutcome.RECOVERED))
                    .isEqualTo((long) CLIENTS * RESUMES_PER_CLIENT);
            assertThat(server.metrics().history().resumesLost()).isZero();
        } finally {
            done.set(true);
            threads.shutdownNow();
        }
    }

    /** Each client's last offset read. */
    private static final AtomicLongArray POSITIONS = new AtomicLongArray(CLIENTS);

    private static long slowest() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < CLIENTS; i++) {
            min = Math.min(min, POSITIONS.get(i));
        }
        return min;
    }

    /** One client's life: a plain SUB, then 20 resumes; returns how many messages it read. */
    private static long resumeRepeatedly(int port, int index) {
        ResumingLineClient client = new ResumingLineClient("127.0.0.1", port, "seam");
        try {
            client.run(RESUMES_PER_CLIENT + 1, 5, 200, offset -> POSITIONS.set(index, offset));
        } finally {
            POSITIONS.set(index, Long.MAX_VALUE); // done: no longer holds the publisher back
        }
        return client.read();
    }
}
