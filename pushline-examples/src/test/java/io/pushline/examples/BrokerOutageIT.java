package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Client;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis goes away and comes back, five times, during a steady stream: TCP clients never notice but the gap. */
class BrokerOutageIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @Test
    void fiveRedisRestartsDropNoClientAndDeliveryResumes() throws Exception {
        List<String> health = new CopyOnWriteArrayList<>();
        AtomicInteger disconnects = new AtomicInteger();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0)
                .source(RedisMessageSource.create(redis.uri())).defaultTopics("updates")
                .listener(new PushListener() {
                    @Override
                    public void clientDisconnected(Client client) {
                        disconnects.incrementAndGet();
                    }

                    @Override
                    public void sourceStateChanged(SourceState state) {
                        health.add(state.name());
                    }

                    @Override
                    public void sourceResubscribed() {
                        health.add("resubscribed");
                    }
                }).build().start());
        List<TcpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(closer.add(new TcpTestClient(server.port())));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().contains("updates")
                && server.clients().size() == 20);

        // a steady stream: one message every 10 ms; those published while Redis is down are lost
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong sequence = new AtomicLong();
        Thread publisher = new Thread(() -> {
            while (publishing.get()) {
                try {
                    redis.publish("updates", Long.toString(sequence.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
                } catch (RuntimeException redisIsDown) {
                    sequence.decrementAndGet();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
        }, "steady-publisher");
        publisher.start();
        List<Long> resumeMillis = new ArrayList<>();
        try {
            for (int restart = 0; restart < 5; restart++) {
                redis.stop();
                await().atMost(Duration.ofSeconds(10)).until(() -> server.sourceState() == SourceState.DOWN);
                redis.start();
                long restarted = System.nanoTime();
                int events = 3 * (restart + 1);
                // at least: the exact sequence is checked at the end
                await().atMost(Duration.ofSeconds(10)).until(() -> health.size() >= events);
                long before = sequence.get();
                // every client gets a message published after the restart: read until one newer than 'before'
                for (TcpTestClient client : clients) {
                    long seen;
                    do {
                        seen = Long.parseLong(client.readLine());
                    } while (seen <= before);
                }
                resumeMillis.add((System.nanoTime() - restarted) / 1_000_000);
            }
        } finally {
            publishing.set(false);
            publisher.join();
        }
        assertThat(disconnects.get()).as("TCP clients dropped by broker outages").isZero();
        List<String> cycle = List.of("DOWN", "UP", "resubscribed");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.addAll(cycle);
        }
        assertThat(health).containsExactlyElementsOf(expected);
        assertThat(redis.channels()).containsExactly("updates");
        assertThat(server.metrics().sourceDownEvents()).isEqualTo(5);
        assertThat(server.metrics().sourceDowntime()).isPositive();
        assertThat(server.metrics().connectionsClosedTotal()).isZero();
        assertThat(resumeMillis).hasSize(5);
        System.out.println("delivery resumed after each restart within (ms): " + resumeMillis);
    }

    /** Redis drops the subscriber connection (as it does past {@code client-output-buffer-limit pubsub}). */
    @Test
    void aSubscriptionCutByRedisIsNoticedAndRestored() {
        List<String> health = new CopyOnWriteArrayList<>();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0)
                .source(RedisMessageSource.create(redis.uri())).defaultTopics("updates")
                .listener(new PushListener() {
                    @Override
                    public void sourceStateChanged(SourceState state) {
                        health.add(state.name());
                    }

                    @Override
                    public void sourceResubscribed() {
                        health.add("resubscribed");
                    }
                }).build().start());
        TcpTestClient client = closer.add(new TcpTestClient(server.port()));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().contains("updates"));
        assertThat((Long) redis.command("CLIENT", "KILL", "TYPE", "pubsub")).isEqualTo(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> health.size() >= 3);
        assertThat(health).containsExactly("DOWN", "UP", "resubscribed");
        assertThat(redis.channels()).containsExactly("updates");
        redis.publish("updates", "after the cut".getBytes(StandardCharsets.UTF_8));
        assertThat(client.readLine()).isEqualTo("after the cut");
    }
}
