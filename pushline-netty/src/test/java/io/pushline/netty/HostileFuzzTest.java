package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.Client;
import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.internal.server.NettyClient;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded random command streams from clients that read normally, slowly or never, with floods, garbage, partial
 * frames, oversized lines, pathological patterns and reserved names, for a bounded time
 * ({@code -Dpushline.fuzz.duration=PT12S} by default). Throughout, every connection's outbound buffer stays within
 * its bound plus one frame, a well-behaved client keeps getting answers, and after it the server's direct and heap
 * memory are back near where they started.
 */
class HostileFuzzTest {
    private static final Duration DURATION = Duration.parse(System.getProperty("pushline.fuzz.duration", "PT12S"));
    private static final int CLIENTS = 40;
    private static final int MAX_QUEUED = 64 * 1024;
    private static final int MAX_FRAME = 16 * 1024;
    /** Bound plus one frame, plus the few small notices that are written whatever the buffer holds. */
    private static final long CONNECTION_BOUND = MAX_QUEUED + MAX_FRAME + 4 * 1024;

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @ParameterizedTest
    @EnumSource(SlowConsumerPolicy.class)
    void randomHostileStreamsStayWithinTheBounds(SlowConsumerPolicy policy) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

        InMemoryMessageSource source = InMemoryMessageSource.create();
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(source).allowPublish(true).framing(Framing.lines(MAX_FRAME)).limits(l -> l.maxQueuedBytes(MAX_QUEUED)
                .slowConsumerPolicy(policy)).onClientFrame(ClientHandlers.echo())
                .timeouts(t -> t.frameTimeout(Duration.ofSeconds(2))).build().start());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong maxPending = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Socket> sockets = new CopyOnWriteArrayList<>();
        AtomicLong connections = new AtomicLong();
        AutoCloseable stopClients = () -> {
            running.set(false);
            for (Socket s : sockets) {
                s.close(); // unblocks writers stuck on a server that stopped reading them
            }
        };
        closer.add(stopClients); // also when an assertion fails midway
        for (int i = 0; i < CLIENTS; i++) {
            long seed = 20261201L + i + policy.ordinal() * 1000L;
            threads.add(start("fuzz-" + i, () -> {
                Random random = new Random(seed);
                while (running.get()) { // a client the server closed comes back, as an attacker would
                    try (Socket socket = new Socket()) {
                        socket.setReceiveBufferSize(8 * 1024);
                        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                        sockets.add(socket);
                        connections.incrementAndGet();
                        try {
                            hostile(socket, random, running);
                        } finally {
                            sockets.remove(socket);
                        }
                    } catch (IOException refused) {
                        // expected now and then: a connection refused or reset while it was being made; retry
                    }
                }
            }));
        }
        threads.add(start("publisher", () -> {
            Random random = new Random(7);
            while (running.get()) {
                String topic = "t" + random.nextInt(20);
                // a full dispatch queue refuses: that is the source's own bound, not a failure here
                source.publish(topic, ("x".repeat(random.nextInt(2_000)) + topic).getBytes(StandardCharsets.UTF_8));
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // a paced publisher, about 5,000/s
            }
        }));

        TcpTestClient probe = closer.add(new TcpTestClient(server.port()));
        long deadline = System.nanoTime() + DURATION.toNanos();
        int probes = 0;
        long slowestProbe = 0;
        while (System.nanoTime() < deadline) {
            for (Client c : server.clients()) {
                maxPending.accumulateAndGet(pending((NettyClient) c), Math::max);
            }
            long sent = System.nanoTime();
            probe.send("PING " + probes + "\r\n");
            assertThat(probe.readLine()).isEqualTo("PONG " + probes);
            // two cores run the server, 40 hostile clients at their rate limits and this probe: slow, never stuck
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("a well-behaved client's round trip")
                    .isLessThan(Duration.ofSeconds(5));
            slowestProbe = Math.max(slowestProbe, System.nanoTime() - sent);
            probes++;
        }
        stopClients.close();
        for (Thread t : threads) {
            t.join(10_000);
            assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
        }
        assertThat(maxPending.get()).as("the most any connection had queued").isLessThanOrEqualTo(CONNECTION_BOUND);
        assertThat(probes).isPositive();

        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == 1);
        long directAfter = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        memory.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        // the pool keeps chunks it once needed: at most every connection's bound at once, plus chunk rounding
        assertThat(directAfter - directBefore).as("direct memory kept by the pool")
                .isLessThanOrEqualTo(CLIENTS * CONNECTION_BOUND + 32L * 1024 * 1024);
        assertThat(heapAfter - heapBefore).as("heap after GC").isLessThan(64L * 1024 * 1024);
        System.out.printf("fuzz %s: %d connections, %d probes, slowest %d ms; most queued for one connection %d bytes"
                + " (bound %d); direct kept %+d KiB, heap after GC %+d KiB%n", policy, connections.get(), probes,
                slowestProbe / 1_000_000,
                maxPending.get(), CONNECTION_BOUND, (directAfter - directBefore) / 1024, (heapAfter - heapBefore) / 1024);
    }

    private static long pending(NettyClient client) {
        ChannelOutboundBuffer out = client.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** One client's random life: what it sends, and whether it reads what comes back. */
    private static void hostile(Socket socket, Random random, AtomicBoolean running) {
        int reading = random.nextInt(3); // 0: never, 1: slowly, 2: as fast as it can
        if (reading > 0) {
            start(Thread.currentThread().getName() + "-reader", () -> drain(socket, reading == 1));
        }
        String[] names = {"t1", "t2", "t" + random.nextInt(20), "$dropped", "*", "t*", "*a*a*a*a*a*a*a*a*b",
            "[x", "bad topic", "é", "\\[*", "?"};
        try {
            OutputStream out = socket.getOutputStream();
            while (running.get()) {
                String name = names[random.nextInt(names.length)];
                byte[] frame = switch (random.nextInt(40)) {
                    case 0 -> ("SUB " + name + "\r\n").getBytes(StandardCharsets.UTF_8);
                    case 1 -> ("PSUB " + name + "\r\n").getBytes(StandardCharsets.UTF_8);
                    case 2 -> ("UNSUB " + name + "\r\nPUNSUB " + name + "\r\n").getBytes(StandardCharsets.UTF_8);
                    case 3 -> ("PUB " + name + " " + "p".repeat(random.nextInt(MAX_FRAME - 64)) + "\r\n")
                            .getBytes(StandardCharsets.UTF_8);
                    case 4, 5 -> ("PING " + "q".repeat(random.nextInt(MAX_FRAME - 16)) + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    case 6 -> {
                        byte[] garbage = new byte[random.nextInt(4096)];
                        random.nextBytes(garbage);
                        yield garbage;
                    }
                    case 7 -> "x".repeat(MAX_FRAME + 100).getBytes(StandardCharsets.US_ASCII); // too long
                    case 8 -> "PING half a fra".getBytes(StandardCharsets.US_ASCII); // the rest never comes
                    case 9 -> "AUTH token\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII);
                    case 10, 11, 12, 13, 14, 15 -> "PING\r\n".repeat(1 + random.nextInt(500))
                            .getBytes(StandardCharsets.US_ASCII);
                    default -> ("PING " + "z".repeat(MAX_FRAME - 16) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                };
                out.write(frame);
            }
        } catch (IOException closed) {
            // expected: the server closed this connection (a bad frame, QUIT, a slow consumer), or the run is over
        }
    }

    private static void drain(Socket socket, boolean slowly) {
        byte[] buf = new byte[slowly ? 64 : 64 * 1024]; // slowly: many small reads
        try {
            InputStream in = socket.getInputStream();
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException closed) {
            // expected: the connection is gone, nothing more to read
        }
    }
}
