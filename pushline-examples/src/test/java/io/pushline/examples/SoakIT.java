package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.pushline.Protocol;
import io.pushline.PushMetrics;
import io.pushline.netty.PushServer;
import io.pushline.netty.client.PushClient;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The soak run ({@code ./mvnw -B verify -Psoak}, ten minutes by default, {@code -Dpushline.soak.duration=PT2M} for
 * less): 200 {@code commands} clients churn (disconnect, reconnect, resubscribe at random) while Redis publishes
 * about 2,000 messages per second on 20 topics. The heap after GC must not grow.
 */
@Tag("soak")
class SoakIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void heapAfterGcDoesNotGrowUnderChurnAndPublishing() throws Exception {
        Duration duration = Duration.parse(System.getProperty("pushline.soak.duration", "PT10M"));
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(RedisMessageSource.create(redis.uri())).build().start());
        EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        closer.add(() -> clientLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync());
        RedisPublisher publisher = closer.add(RedisPublisher.create(redis.uri()));
        AtomicLong received = new AtomicLong();
        Random random = new Random(2026);
        List<PushClient> clients = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            clients.add(newClient(server, clientLoops, random, received));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong published = new AtomicLong();
        Thread publishing = new Thread(() -> {
            long next = System.nanoTime();
            while (running.get()) {
                long seq = published.incrementAndGet();
                publisher.publish("soak." + (seq % 20), ("message " + seq).getBytes(StandardCharsets.UTF_8));
                next += 500_000; // 2,000 per second
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }, "soak-publisher");
        publishing.start();

        List<Long> heapMiB = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        long nextSample = System.nanoTime();
        long churned = 0;
        while (System.nanoTime() < end) {
            int victim = random.nextInt(clients.size());
            clients.get(victim).closeAsync();
            clients.set(victim, newClient(server, clientLoops, random, received));
            churned++;
            if (System.nanoTime() >= nextSample) {
                System.gc();
                heapMiB.add(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
                nextSample += Duration.ofSeconds(15).toNanos();
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // about 50 reconnections per second
        }
        running.set(false);
        publishing.join();
        for (PushClient c : clients) {
            c.closeAsync();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.clients().isEmpty());
        System.gc();
        heapMiB.add(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);

        PushMetrics m = server.metrics();
        System.out.printf("soak %s: %d reconnections, %d published, %d pushes received by clients, "
                        + "%d delivered by the server, %d connections opened, drops %s, closes %s; "
                        + "heap after GC (MiB, every 15 s): %s%n",
                duration, churned, published.get(), received.get(), m.messagesDelivered(), m.connectionsOpened(),
                m.messagesDropped(), m.connectionsClosed(), heapMiB);
        assertThat(received.get()).isPositive();
        assertThat(m.connectionsOpened()).isGreaterThan(200); // some churned clients closed before connecting
        long early = heapMiB.subList(0, Math.max(1, heapMiB.size() / 3)).stream().mapToLong(Long::longValue)
                .max().orElseThrow();
        long last = heapMiB.get(heapMiB.size() - 1);
        assertThat(last).as("heap after GC at the end vs the first third's peak, MiB").isLessThanOrEqualTo(early + 16);
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.channels().isEmpty() && redis.numpat() == 0);
    }

    private static PushClient newClient(PushServer server, EventLoopGroup loops, Random random, AtomicLong received) {
        PushClient client = PushClient.builder().host("127.0.0.1").port(server.port()).eventLoopGroup(loops)
                .nativeTransport(false).onMessage(m -> received.incrementAndGet()).build();
        for (int k = random.nextInt(4); k >= 0; k--) {
            client.subscribe("soak." + random.nextInt(20));
        }
        if (random.nextInt(3) == 0) {
            client.psubscribe("soak.1*");
        }
        client.connect();
        return client;
    }
}
