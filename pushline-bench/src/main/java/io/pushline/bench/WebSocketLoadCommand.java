package io.pushline.bench;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The same Pushline server (its own JVM, relaying a private Redis) serving TCP clients, then WebSocket clients, in one
 * run: scenario B's fan-out (deliveries per second, loss, latency, server CPU) and the memory of idle connections
 * (heap after a full GC, and RSS, per connection), for each transport.
 */
@Command(name = "websocket", mixinStandardHelpOptions = true,
        description = "Fan-out and idle memory over WebSocket against TCP, same server, same run.")
final class WebSocketLoadCommand implements Callable<Integer> {
    @Option(names = "--clients", description = "Clients per transport for the fan-out (default: ${DEFAULT-VALUE}).")
    int clients = 1000;

    @Option(names = "--rate", description = "Messages per second (default: ${DEFAULT-VALUE}).")
    double rate = 2000;

    @Option(names = "--size", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    int size = 200;

    @Option(names = "--duration", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double duration = 10;

    @Option(names = "--warmup", description = "Warm-up seconds per transport (default: ${DEFAULT-VALUE}).")
    double warmup = 5;

    @Option(names = "--idle-clients", description = "Idle connections per transport for memory, 0 = skip "
            + "(default: ${DEFAULT-VALUE}).")
    int idleClients = 5000;

    @Option(names = "--client-threads", description = "Client event loops (default: ${DEFAULT-VALUE}).")
    int clientThreads = 2;

    @Option(names = "--server-jvm", description = "JVM options of the Pushline server (default: ${DEFAULT-VALUE}).")
    String serverJvm = "-Xms64m -Xmx1g -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled";

    @Option(names = "--redis-server", description = "redis-server binary (default: ${DEFAULT-VALUE}).")
    String redisServer = "redis-server";

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int wsPort = RedisProcess.freePort();
        try (RedisProcess redis = RedisProcess.start(redisServer, 20_000);
                ServerProcess server = ServerProcess.start(Arrays.asList(serverJvm.trim().split("\\s+")),
                        List.of("--redis", "redis://127.0.0.1:" + redis.port(), "--websocket-port",
                                Integer.toString(wsPort)), 0, ServerProcess.logFile("pushline-bench-ws.log"))) {
            InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", server.port());
            URI ws = URI.create("ws://127.0.0.1:" + wsPort + "/ws");
            out.printf(Locale.ROOT, "fan-out: %d clients per transport, %.0f msg/s, %d-byte payloads, %.0f s%n",
                    clients, rate, size, duration);
            for (String transport : new String[] {"tcp", "websocket"}) {
                fanOut(out, transport, redis, server, tcp, ws);
            }
            if (idleClients > 0) {
                out.printf(Locale.ROOT, "idle memory: %d connections per transport%n", idleClients);
                for (String transport : new String[] {"tcp", "websocket"}) {
                    idle(out, transport, server, tcp, ws);
                }
            }
        }
        return 0;
    }

    private void fanOut(PrintStream out, String transport, RedisProcess redis, ServerProcess server,
            InetSocketAddress tcp, URI ws) throws Exception {
        try (Clients c = new Clients(transport.equals("tcp"), clientThreads);
                Publisher publisher = new Publisher("127.0.0.1", redis.port())) {
            double connect = c.connect(tcp, ws, clients);
            awaitConnections(server, clients);
            long warm = publisher.run("bench", size, rate, warmup, 2000);
            drain(c.deliveries, warm * clients, 0);
            c.latencies();
            long before = c.deliveries.getAsLong();
            double cpu0 = ProcStats.cpuSeconds(server.pid());
            double sys0 = ProcStats.systemCpuSeconds(server.pid());
            long start = System.nanoTime();
            long published = publisher.run("bench", size, rate, duration, 2000);
            drain(c.deliveries, published * clients, before);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = ProcStats.cpuSeconds(server.pid()) - cpu0;
            double sys = ProcStats.systemCpuSeconds(server.pid()) - sys0;
            long received = c.deliveries.getAsLong() - before;
            Histogram h = c.latencies();
            out.printf(Locale.ROOT, "%-9s connect %.1f s | published %d | deliveries/s %,.0f | lost %d | "
                    + "latency ms p50 %.1f p99 %.1f p999 %.1f | server CPU s %.2f (kernel %.2f) | disconnects %d%n",
                    transport, connect, published, received / seconds, published * clients - received,
                    h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, cpu, sys, c.disconnects.getAsLong());
        }
        awaitConnections(server, 0);
    }

    private void idle(PrintStream out, String transport, ServerProcess server, InetSocketAddress tcp, URI ws)
            throws Exception {
        awaitConnections(server, 0);
        long heap0 = Long.parseLong(server.stats(true).get("heapUsed"));
        long rss0 = ProcStats.rssBytes(server.pid());
        try (Clients c = new Clients(transport.equals("tcp"), clientThreads)) {
            double connect = c.connect(tcp, ws, idleClients);
            awaitConnections(server, idleClients);
            long heap = Long.parseLong(server.stats(true).get("heapUsed"));
            long rss = ProcStats.rssBytes(server.pid());
            out.printf(Locale.ROOT, "%-9s connect %.1f s | heap %.2f KiB/connection | RSS %.2f KiB/connection%n",
                    transport, connect, (heap - heap0) / 1024.0 / idleClients, (rss - rss0) / 1024.0 / idleClients);
        }
        awaitConnections(server, 0);
    }

    private static void awaitConnections(ServerProcess server, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Integer.parseInt(server.stats(false).get("connections")) != n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the server does not hold " + n + " connections after 120 s: "
                        + server.stats(false));
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    /** Waits until every expected delivery arrived, or nothing arrived for 3 s (then the rest is lost). */
    private static void drain(LongSupplier deliveries, long expected, long before) {
        long last = -1;
        long lastChange = System.nanoTime();
        while (deliveries.getAsLong() - before < expected) {
            long now = deliveries.getAsLong();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(3)) {
                return;
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /** The TCP load clients or the WebSocket ones behind one face. */
    private static final class Clients implements AutoCloseable {
        private final LoadClients tcp;
        private final WebSocketLoadClients ws;
        final LongSupplier deliveries;
        final LongSupplier disconnects;

        Clients(boolean overTcp, int threads) {
            tcp = overTcp ? new LoadClients(threads, null, 0, 0) : null;
            ws = overTcp ? null : new WebSocketLoadClients(threads);
            deliveries = overTcp ? tcp::deliveries : ws::deliveries;
            disconnects = overTcp ? tcp::disconnects : ws::disconnects;
        }

        double connect(InetSocketAddress address, URI uri, int n) throws InterruptedException {
            return tcp != null ? tcp.connect(address, List.of(), n, null, false, null) : ws.connect(uri, n);
        }

        Histogram latencies() {
            return tcp != null ? tcp.latencies() : ws.latencies();
        }

        @Override
        public void close() {
            if (tcp != null) {
                tcp.close();
            } else {
                ws.close();
            }
        }
    }
}
