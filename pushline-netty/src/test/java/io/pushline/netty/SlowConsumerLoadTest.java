package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import io.pushline.Client;
import io.pushline.InMemoryMessageSource;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One client never reads while messages of 1 KiB are pushed to it and to 100 clients that do: it is cut by the
 * slow-consumer policy, the 100 get every message, and the server's buffers stay within their bound. The build
 * pushes 300,000 messages (about four minutes here: paranoid leak detection tracks every buffer duplicate);
 * {@code -Dpushline.load.messages=20000} makes a quick local run.
 */
class SlowConsumerLoadTest {
    private static final int MAX_QUEUED = 1024 * 1024;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void aStalledClientIsCutAndTheOthersGetEveryMessageWithinBoundedMemory() throws Exception {
        int messages = Integer.getInteger("pushline.load.messages", 20_000);
        int readers = 100;
        AtomicInteger cut = new AtomicInteger();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).defaultTopics("load")
                .limits(l -> l.maxQueuedBytes(MAX_QUEUED).slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT))
                .listener(new PushListener() {
                    @Override
                    public void slowConsumer(Client client, SlowConsumerPolicy policy) {
                        cut.incrementAndGet();
                    }
                }).build().start());
        InMemoryMessageSource source = (InMemoryMessageSource) server.source();
        TcpTestClient stalled = closer.add(new TcpTestClient(server.port(), 4096)); // never reads
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            clients.add(closer.add(new TcpTestClient(server.port())));
        }
        await().until(() -> server.clients().size() == readers + 1
                && server.clients().stream().allMatch(c -> server.topics(c).contains("load")));

        // readers count line ends in bulk; the publisher stays at most 256 KiB ahead of the slowest one
        AtomicLongArray lines = new AtomicLongArray(readers);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            int index = i;
            InputStream in = clients.get(i).input();
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                long n = 0;
                try {
                    while (n < messages) {
                        int r = in.read(buf);
                        if (r < 0) {
                            break;
                        }
                        for (int k = 0; k < r; k++) {
                            if (buf[k] == '\n') {
                                n++;
                            }
                        }
                        lines.set(index, n);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "reader-" + i);
            t.start();
            threads.add(t);
        }
        byte[] payload = new byte[1024];
        Arrays.fill(payload, (byte) 'x');
        AtomicLong peakDirect = new AtomicLong();
        long started = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            while (i - slowest(lines) > 256) {
                LockSupport.parkNanos(50_000); // pace the publisher to the slowest reader, not a wait for a result
            }
            while (source.publish("load", payload).isCompletedExceptionally()) {
                LockSupport.parkNanos(50_000); // the dispatch queue is full: the server is the bottleneck
            }
            if ((i & 1023) == 0) {
                peakDirect.accumulateAndGet(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max);
            }
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(120).toMillis());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        for (int i = 0; i < readers; i++) {
            assertThat(lines.get(i)).as("lines read by client %d", i).isEqualTo(messages);
        }
        assertThat(cut.get()).isEqualTo(1);
        assertThat(stalled.closedByServerAfterDraining(64 * 1024 * 1024)).isTrue();
        System.gc();
        long heapAfterGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        // bound: every connection's outbound buffer full (plus one frame) and the allocator's arenas
        long bound = (readers + 1L) * (MAX_QUEUED + 2048) + 64L * 1024 * 1024;
        assertThat(peakDirect.get()).isLessThan(bound);
        System.out.printf("%d messages x %d readers in %.1f s (%.0f deliveries/s); peak pooled direct memory %d MiB"
                        + " (bound %d MiB); heap after GC %d MiB%n", messages, readers, seconds,
                messages * (double) readers / seconds, peakDirect.get() >> 20, bound >> 20, heapAfterGc >> 20);
        assertThat(server.metrics().messagesDelivered()).isGreaterThanOrEqualTo((long) messages * readers);
    }

    private static long slowest(AtomicLongArray lines) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < lines.length(); i++) {
            min = Math.min(min, lines.get(i));
        }
        return min;
    }
}
