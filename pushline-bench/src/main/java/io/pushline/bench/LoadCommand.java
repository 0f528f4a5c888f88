package io.pushline.bench;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.pushline.test.RespClient;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One load scenario, run against a broker directly and against Pushline in front of it, in the same invocation: a
 * private {@code redis-server} and/or {@code nats-server}, a Pushline server process relaying one channel or subject
 * from it, N clients of each, a publisher stamping every payload with its sequence number and
 * {@link System#nanoTime()}. Each Pushline target is compared with its broker's direct target of the same run.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fan-out load: N clients of Redis-direct and of Pushline, same publisher, same machine.")
final class LoadCommand implements Callable<Integer> {
    /** Which middle tier the clients read from. */
    enum Target {
        /** Clients send RESP SUBSCRIBE to Redis itself: no middle tier, the limit a relay is measured against. */
        REDIS,
        /** Clients connect to a Pushline server process that relays the channel from the same Redis. */
        PUSHLINE,
        /**
         * As {@link #PUSHLINE}, with history on: the publisher runs the history script (each message gets a
         * position and is kept in a stream) and the server orders and repairs the topic by position.
         */
        PUSHLINE_HISTORY,
        /**
         * As {@link #PUSHLINE} (no history in the server), with the publisher of {@link #PUSHLINE_HISTORY}: tells the
         * publisher's share of the difference between the two from the server's.
         */
        PUSHLINE_SCRIPTED,
        /**
         * Clients speak the NATS protocol to {@code nats-server} itself ({@code CONNECT}, {@code SUB bench}, then
         * {@code MSG} lines and payloads, parsed like the Redis pushes): the NATS-direct baseline.
         */
        NATS,
        /** Clients connect to a Pushline server process that relays the subject from the same NATS server. */
        PUSHLINE_NATS;

        /** Whether the clients read from the broker itself. */
        boolean direct() {
            return this == REDIS || this == NATS;
        }

        /** Whether the broker is NATS. */
        boolean nats() {
            return this == NATS || this == PUSHLINE_NATS;
        }

        /** The broker's name, for the report. */
        String broker() {
            return nats() ? "NATS" : "Redis";
        }

        /** The direct target a Pushline target is compared with. */
        Target baseline() {
            return nats() ? NATS : REDIS;
        }
    }

    @Option(names = "--clients", description = "Reading clients (default: ${DEFAULT-VALUE}).")
    int clients = 100;

    @Option(names = "--stalled", description = "Extra clients that never read (default: ${DEFAULT-VALUE}).")
    int stalled;

    @Option(names = "--rate", description = "Messages per second; 0 = as fast as Redis takes them (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", description = "Payload bytes, at least 48 (default: ${DEFAULT-VALUE}).")
    int size = 200;

    @Option(names = "--duration", description = "Measured publishing seconds (default: ${DEFAULT-VALUE}).")
    double duration = 10;

    @Option(names = "--warmup", description = "Publishing seconds before measuring (default: ${DEFAULT-VALUE}).")
    double warmup = 10;

    @Option(names = "--window", description = "Most PUBLISH replies outstanding (default: ${DEFAULT-VALUE}).")
    int window = 2_000;

    @Option(names = "--max-behind", description = "Closed loop: the publisher pauses while more than this many "
            + "messages per client are undelivered; 0 = open loop (default: ${DEFAULT-VALUE}).")
    int maxBehind;

    @Option(names = "--targets", split = ",", description = "Targets in order (default: REDIS,PUSHLINE).")
    List<Target> targets = new ArrayList<>(List.of(Target.REDIS, Target.PUSHLINE));

    @Option(names = "--idle", description = "Memory mode: connect, measure memory per connection, publish nothing.")
    boolean idle;

    @Option(names = "--overflow", description = "In --idle mode, then open this many more connections than fit and "
            + "check that they are refused cleanly and the others still receive (default: ${DEFAULT-VALUE}).")
    int overflow;

    @Option(names = "--client-threads", description = "Client event loops (default: ${DEFAULT-VALUE}).")
    int clientThreads = 2;

    @Option(names = "--client-cost", paramLabel = "NANOS", description = "Each client busy for this many "
            + "nanoseconds per delivery, after parsing it: a reader doing work per message (default: ${DEFAULT-VALUE}).")
    long clientCostNanos;

    @Option(names = "--client-read-buffer", paramLabel = "BYTES", description = "Bytes each client socket read asks "
            + "for; 0 = Netty's adaptive guess, as a Netty reader does by default (default: ${DEFAULT-VALUE}).")
    int clientReadBuffer;

    @Option(names = "--bind", split = ",", description = "Local source addresses for the clients, round robin "
            + "(e.g. 127.0.0.2,127.0.0.3), when one address runs out of ports.")
    List<String> bind = new ArrayList<>();

    @Option(names = "--server-threads", description = "Pushline event loops; 0 = cores (default: ${DEFAULT-VALUE}).")
    int serverThreads;

    @Option(names = "--server-jvm", description = "JVM options of the Pushline server (default: ${DEFAULT-VALUE}).")
    String serverJvm = "-Xms64m -Xmx1g -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled";

    @Option(names = "--server-args", description = "Extra arguments of the bench server, space separated "
            + "(e.g. '--slow-policy DROP --max-queued 262144').")
    String serverArgs = "";

    @Option(names = "--server-nofile", description = "Open-file limit of the Pushline server process (prlimit); "
            + "0 = inherit (default: ${DEFAULT-VALUE}).")
    int serverNofile;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Clients speak TLS to Pushline, trusting this CA "
            + "(pass --tls-cert/--tls-key to the server with --server-args).")
    File tlsCa;

    @Option(names = "--redis-bin", description = "The redis-server binary (default: ${DEFAULT-VALUE}).")
    String redisBin = "redis-server";

    @Option(names = "--nats-bin", description = "The nats-server binary (default: ${DEFAULT-VALUE}, or /usr/sbin's).")
    String natsBin = "nats-server";

    @Option(names = "--sample-omem", description = "Sample Redis CLIENT LIST output-buffer memory every 100 ms.")
    boolean sampleOmem;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        if (size < Publisher.MIN_SIZE) {
            throw new IllegalArgumentException("--size must be at least " + Publisher.MIN_SIZE);
        }
        out.printf(Locale.ROOT, "scenario: %d clients (+%d stalled), %s, %d-byte payloads, %s s measured after %s s "
                + "warm-up, %d cores%n", clients, stalled, idle ? "idle" : rate <= 0 ? "full-speed publisher"
                : (long) rate + " msg/s", size, duration, warmup, Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "clients: %d event loops, %s reads%s%s%n", clientThreads, clientReadBuffer > 0
                ? clientReadBuffer + "-byte" : "adaptive", clientCostNanos > 0
                ? ", busy " + clientCostNanos + " ns per delivery" : "", maxBehind > 0
                ? "; publisher closed loop: pauses at " + maxBehind + " undelivered messages per client" : "");
        List<LoadResult> results = new ArrayList<>();
        boolean needsRedis = targets.stream().anyMatch(t -> !t.nats());
        boolean needsNats = targets.stream().anyMatch(Target::nats);
        try (RedisProcess redis = needsRedis ? RedisProcess.start(redisBin, 20_000) : null;
                NatsProcess nats = needsNats ? NatsProcess.start(natsBin) : null) {
            for (Target target : targets) {
                LoadResult r = run(redis, nats, target);
                results.add(r);
                r.print(out);
            }
        }
        if (!idle) {
            for (LoadResult b : results) {
                for (LoadResult a : results) {
                    if (!b.target.direct() && a.target == b.target.baseline()) {
                        out.printf(Locale.ROOT, "ratio %s/%s: deliveries/s %.2fx, latency p50 %.3fx, p99 %.3fx, "
                                + "p999 %.3fx%n", b.target, a.target, b.rate() / a.rate(), ratio(b, a, 50),
                                ratio(b, a, 99), ratio(b, a, 99.9));
                        out.printf(Locale.ROOT, "ratio %s/%s per delivery: server CPU %.2fx, client CPU %.2fx, server "
                                + "send calls %.2fx, client reads %.2fx; clients disconnected %d vs %d%n", b.target,
                                a.target, perDelivery(b.serverCpu, b) / perDelivery(a.serverCpu, a),
                                perDelivery(b.clientCpu, b) / perDelivery(a.clientCpu, a),
                                perDelivery(b.serverWrites, b) / perDelivery(a.serverWrites, a),
                                perDelivery(b.clientReads, b) / perDelivery(a.clientReads, a), b.disconnects,
                                a.disconnects);
                    }
                }
            }
        }
        return 0;
    }

    private static double perDelivery(double value, LoadResult r) {
        return value / Math.max(1, r.received);
    }

    private static double ratio(LoadResult b, LoadResult a, double percentile) {
        return (double) b.latency.getValueAtPercentile(percentile) / Math.max(1, a.latency.getValueAtPercentile(percentile));
    }

    private LoadResult run(RedisProcess redis, NatsProcess nats, Target target) throws Exception {
        LoadResult r = new LoadResult(target, clients);
        r.stalledClients = stalled;
        ServerProcess server = null;
        long brokerPid = target.nats() ? nats.pid() : redis.pid();
        try (RespClient control = target.nats() ? null : new RespClient("127.0.0.1", redis.port())) {
            InetSocketAddress address;
            byte[] hello;
            if (!target.direct()) {
                List<String> args = new ArrayList<>(List.of(target.nats() ? "--nats" : "--redis", target.nats()
                        ? "nats://127.0.0.1:" + nats.port() : "redis://127.0.0.1:" + redis.port(),
                        "--threads", Integer.toString(serverThreads)));
                if (target == Target.PUSHLINE_HISTORY) {
                    args.add("--history");
                }
                if (!serverArgs.isBlank()) {
                    args.addAll(Arrays.asList(serverArgs.trim().split("\\s+")));
                }
                server = ServerProcess.start(Arrays.asList(serverJvm.trim().split("\\s+")), args, serverNofile,
                        ServerProcess.logFile("pushline-bench-server.log"));
                address = new InetSocketAddress("127.0.0.1", server.port());
                hello = null;
                r.serverPid = server.pid();
            } else if (target == Target.NATS) {
                address = new InetSocketAddress("127.0.0.1", nats.port());
                hello = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB bench 1\r\nPING\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
                r.serverPid = nats.pid();
            } else {
                address = new InetSocketAddress("127.0.0.1", redis.port());
                hello = "SUBSCRIBE bench\r\n".getBytes(StandardCharsets.US_ASCII);
                r.serverPid = redis.pid();
            }
            r.rssBefore = ProcStats.rssBytes(r.serverPid);
            if (server != null) {
                r.heapBefore = Long.parseLong(server.stats(true).get("heapUsed"));
                r.rssBefore = ProcStats.rssBytes(r.serverPid);
            }
            List<InetSocketAddress> locals = new ArrayList<>();
            for (String b : bind) {
                locals.add(new InetSocketAddress(b, 0));
            }
            SslContext tls = tlsCa == null || target.direct() ? null
                    : SslContextBuilder.forClient().trustManager(tlsCa).protocols("TLSv1.3", "TLSv1.2").build();
            MessageTracker tracker = null;
            try (LoadClients load = new LoadClients(clientThreads, null, clientCostNanos, clientReadBuffer)) {
                r.connectSeconds = load.connect(address, locals, clients, hello, false, tls);
                if (stalled > 0) {
                    load.connect(address, locals, stalled, hello, true, tls);
                }
                awaitReady(control, nats, server, target);
                r.rssConnected = ProcStats.rssBytes(r.serverPid);
                if (server != null) {
                    r.heapConnected = Long.parseLong(server.stats(true).get("heapUsed"));
                    r.rssConnected = ProcStats.rssBytes(r.serverPid);
                }
                if (idle) {
                    if (overflow > 0) {
                        if (target.nats()) {
                            throw new IllegalArgumentException("--overflow runs on the Redis targets only");
                        }
                        overflow(r, load, control, redis, server, address, locals, hello, tls);
                    }
                    return r;
                }
                try (LoadPublisher publisher = target == Target.PUSHLINE_HISTORY || target == Target.PUSHLINE_SCRIPTED
                        ? new HistoryPublisher("redis://127.0.0.1:" + redis.port())
                        : target.nats() ? new NatsLoadPublisher("127.0.0.1", nats.port())
                        : maxBehind > 0 ? new Publisher("127.0.0.1", redis.port()).closedLoop(load::deliveries, clients,
                                maxBehind)
                        : new Publisher("127.0.0.1", redis.port())) {
                    if (warmup > 0) {
                        long warm = publisher.run("bench", size, rate, warmup, window);
                        drain(load, warm * clients, 0);
                        load.latencies(); // discard the warm-up's latencies
                    }
                    long before = load.deliveries();
                    long messages = rate > 0 ? (long) Math.ceil(rate * duration) + 1 : 0;
                    if (messages > 0 && messages <= 5_000_000) {
                        tracker = new MessageTracker((int) messages);
                        load.track(tracker);
                    }
                    if (server != null) {
                        Map<String, String> st = server.stats(false);
                        r.downBefore = Long.parseLong(st.get("sourceDownEvents"));
                        r.droppedBefore = Long.parseLong(st.get("droppedSlow")) + Long.parseLong(st.get("droppedOverload"));
                    }
                    double serverCpu0 = ProcStats.cpuSeconds(r.serverPid);
                    double serverSys0 = ProcStats.systemCpuSeconds(r.serverPid);
                    double redisCpu0 = ProcStats.cpuSeconds(brokerPid);
                    SendCounter sends = SendCounter.start(r.serverPid);
                    long reads0 = load.reads();
                    long bytesRead0 = load.bytesRead();
                    double clientCpu0 = load.loopCpuSeconds();
                    Sampler sampler = new Sampler(r.serverPid, sampleOmem && !target.nats() ? redis.port() : 0);
                    sampler.start();
                    long start = System.nanoTime();
                    // progress on stderr, so that an outside profiler can attach to the measured phase only
                    System.err.printf(Locale.ROOT, "measuring %s for %s s%n", target, duration);
                    r.published = publisher.run("bench", size, rate, duration, window);
                    r.publishSeconds = (System.nanoTime() - start) / 1e9;
                    drain(load, r.published * clients, before);
                    sampler.finish();
                    r.seconds = (load.lastDeliveryNanos() - start) / 1e9;
                    r.serverCpu = ProcStats.cpuSeconds(r.serverPid) - serverCpu0;
                    r.serverSys = ProcStats.systemCpuSeconds(r.serverPid) - serverSys0;
                    r.redisCpu = ProcStats.cpuSeconds(brokerPid) - redisCpu0;
                    long sent = sends.stop();
                    r.serverWrites = Math.abs(sent);
                    r.serverSendsCounted = sent >= 0;
                    r.clientReads = load.reads() - reads0;
                    r.clientBytesRead = load.bytesRead() - bytesRead0;
                    r.clientCpu = load.loopCpuSeconds() - clientCpu0;
                    r.received = load.deliveries() - before;
                    r.expected = r.published * clients;
                    r.latency = load.latencies();
                    r.rssPeak = sampler.rssPeak.get();
                    r.omemPeak = sampler.omemPeak.get();
                    r.disconnects = load.disconnects();
                    if (tracker != null) {
                        r.toLastClient = tracker.timeToLastClient(r.published, clients);
                    }
                }
                // still connected at the end (stalled clients never read, so only the server can tell)
                r.subscribedAtEnd = target == Target.REDIS ? numsub(control)
                        : target == Target.NATS ? nats.subscriptions("bench")
                        : Long.parseLong((r.serverStats = server.stats(false)).get("connections"));
            }
            return r;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private void awaitReady(RespClient control, NatsProcess nats, ServerProcess server, Target target)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int want = clients + stalled;
        while (true) {
            long numsub = target.nats() ? nats.subscriptions("bench") : numsub(control);
            boolean ready = target.direct() ? numsub >= want
                    : numsub >= 1 && Integer.parseInt(server.stats(false).get("connections")) >= want;
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("clients not subscribed after 120 s (numsub " + numsub + ")");
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    private static long numsub(RespClient control) {
        List<?> reply = (List<?>) control.command("PUBSUB", "NUMSUB", "bench");
        return (Long) reply.get(1);
    }

    /** Waits until every expected delivery arrived, or nothing arrived for 3 s (then the rest is lost). */
    private static void drain(LoadClients load, long expected, long before) {
        long lastCount = -1;
        long lastChange = System.nanoTime();
        while (load.deliveries() - before < expected) {
            long now = System.nanoTime();
            long count = load.deliveries();
            if (count != lastCount) {
                lastCount = count;
                lastChange = now;
            } else if (now - lastChange > TimeUnit.SECONDS.toNanos(3)) {
                return;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Opens {@code --overflow} more connections past the server's limit and checks the survivors. */
    private void overflow(LoadResult r, LoadClients load, RespClient control, RedisProcess redis, ServerProcess server,
            InetSocketAddress address, List<InetSocketAddress> locals, byte[] hello, SslContext tls)
            throws Exception {
        long closedBefore = load.disconnects();
        double cpu0 = ProcStats.cpuSeconds(r.serverPid);
        r.overflowOpened = load.connectTolerant(address, locals, overflow, hello, tls);
        // wait until the server has dealt with all of them: no more closes for 2 s (at most 20 s)
        long lastClosed = -1;
        long lastChange = System.nanoTime();
        long deadline = lastChange + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && System.nanoTime() - lastChange < TimeUnit.SECONDS.toNanos(2)) {
            long closed = load.disconnects();
            if (closed != lastClosed) {
                lastClosed = closed;
                lastChange = System.nanoTime();
            }
            LockSupport.parkNanos(50_000_000);
        }
        double cpuAfterFlood = ProcStats.cpuSeconds(r.serverPid);
        long quietStart = System.nanoTime();
        while (System.nanoTime() - quietStart < TimeUnit.SECONDS.toNanos(5)) {
            LockSupport.parkNanos(100_000_000); // five idle seconds of server CPU: a busy accept loop would show
        }
        r.overflowFloodCpu = cpuAfterFlood - cpu0;
        r.overflowIdleCpu = ProcStats.cpuSeconds(r.serverPid) - cpuAfterFlood;
        r.overflowClosed = load.disconnects() - closedBefore;
        r.serverOpenFiles = ProcStats.openFiles(r.serverPid);
        if (server != null) {
            r.serverStats = server.stats(false);
        }
        // every connection still open (the first N and any extra the server accepted) must get every message
        long open = server != null ? Long.parseLong(r.serverStats.get("connections"))
                : (Long) ((List<?>) control.command("PUBSUB", "NUMSUB", "bench")).get(1);
        long before = load.deliveries();
        try (LoadPublisher publisher = new Publisher("127.0.0.1", redis.port())) {
            r.published = publisher.run("bench", size, 10, 1.0, window);
            drain(load, r.published * open, before);
            r.received = load.deliveries() - before;
            r.expected = r.published * open;
        }
    }

    /** Samples the server's RSS (and optionally Redis's largest client output buffer) every 100 ms. */
    private static final class Sampler extends Thread {
        final AtomicLong rssPeak = new AtomicLong();
        final AtomicLong omemPeak = new AtomicLong();
        private final long pid;
        private final int redisPort;
        private volatile boolean running = true;

        Sampler(long pid, int redisPort) {
            super("bench-sampler");
            setDaemon(true);
            this.pid = pid;
            this.redisPort = redisPort;
        }

        @Override
        public void run() {
            try (RespClient redis = redisPort == 0 ? null : new RespClient("127.0.0.1", redisPort)) {
                while (running) {
                    rssPeak.accumulateAndGet(ProcStats.rssBytes(pid), Math::max);
                    if (redis != null) {
                        for (String line : ((String) redis.command("CLIENT", "LIST", "TYPE", "pubsub")).split("\n")) {
                            int at = line.indexOf(" omem=");
                            if (at >= 0) {
                                int end = line.indexOf(' ', at + 6);
                                long omem = Long.parseLong(line.substring(at + 6, end < 0 ? line.length() : end));
                                omemPeak.accumulateAndGet(omem, Math::max);
                            }
                        }
                    }
                    LockSupport.parkNanos(100_000_000);
                }
            } catch (RuntimeException e) {
                System.err.println("sampler stopped: " + e);
            }
        }

        void finish() throws InterruptedException {
            running = false;
            join(5_000);
        }
    }
}
