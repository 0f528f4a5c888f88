package io.pushline.bench;

import io.lettuce.core.RedisURI;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.RespClient;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A reconnect storm: N clients resume the same topic at the same moment, each {@code --behind} messages behind
 * ({@code SUB storm FROM <position>}), against a Pushline server process on a private Redis with history. Reports
 * how long until every client has its replay and is live, how many history reads reached Redis (the server shares
 * one read per topic and range), and the CPU that the server, Redis and the clients spent.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = "N clients resume one topic at once from the same position; time until all are live.")
final class StormCommand implements Callable<Integer> {
    @Option(names = "--clients", description = "Resuming clients (default: ${DEFAULT-VALUE}).")
    int clients = 10_000;

    @Option(names = "--behind", description = "Messages each client missed (default: ${DEFAULT-VALUE}).")
    int behind = 500;

    @Option(names = "--size", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    int size = 200;

    @Option(names = "--client-threads", description = "Client event loops (default: ${DEFAULT-VALUE}).")
    int clientThreads = 2;

    @Option(names = "--server-threads", description = "Server event loops (default: ${DEFAULT-VALUE}, 0 = cores).")
    int serverThreads;

    @Option(names = "--server-jvm", description = "JVM options of the server process (default: ${DEFAULT-VALUE}).")
    String serverJvm = "-Xms64m -Xmx1g -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled";

    @Option(names = "--server-nofile", description = "Open-file limit of the server process (default: "
            + "${DEFAULT-VALUE}).")
    int serverNofile = 20_000;

    @Option(names = "--redis-server", description = "The redis-server binary (default: ${DEFAULT-VALUE}).")
    String redisBin = "redis-server";

    @Option(names = "--timeout", description = "Seconds to wait for every client (default: ${DEFAULT-VALUE}).")
    int timeout = 60;

    @Option(names = "--rounds", description = "Storms in a row on the same server, each with new connections "
            + "(the first hits a cold JVM, like a restarted node; default: ${DEFAULT-VALUE}).")
    int rounds = 2;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        out.printf(Locale.ROOT, "storm: %d clients resume one topic at once, each %d messages (%d B) behind; "
                + "%d cores%n", clients, behind, size, Runtime.getRuntime().availableProcessors());
        try (RedisProcess redis = RedisProcess.start(redisBin, 1_000);
                RespClient control = new RespClient("127.0.0.1", redis.port())) {
            String uri = "redis://127.0.0.1:" + redis.port();
            List<String> args = new ArrayList<>(List.of("--redis", uri, "--commands", "--history",
                    "--threads", Integer.toString(serverThreads)));
            try (ServerProcess server = ServerProcess.start(Arrays.asList(serverJvm.trim().split("\\s+")), args,
                    serverNofile, ServerProcess.logFile("pushline-bench-storm-server.log"));
                    RedisPublisher publisher = RedisPublisher.create(RedisURI.create(uri),
                            HistoryOptions.defaults())) {
                byte[] payload = "x".repeat(size).getBytes(StandardCharsets.US_ASCII);
                for (int round = 1; round <= rounds; round++) {
                    Position from = publisher.publishWithPosition("storm", payload).get(10, TimeUnit.SECONDS);
                    List<CompletableFuture<Long>> published = new ArrayList<>();
                    for (int i = 0; i < behind; i++) {
                        published.add(publisher.publish("storm", payload.clone()));
                    }
                    CompletableFuture.allOf(published.toArray(new CompletableFuture<?>[0]))
                            .get(30, TimeUnit.SECONDS);
                    out.printf(Locale.ROOT, "-- round %d%n", round);
                    run(control, redis, server, from);
                }
            }
        }
        return 0;
    }

    private void run(RespClient control, RedisProcess redis, ServerProcess server, Position from) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(clientThreads,
                new DefaultThreadFactory("storm-client", true),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            CountDownLatch live = new CountDownLatch(clients);
            AtomicInteger failures = new AtomicInteger();
            Histogram untilLive = new ConcurrentHistogram(3);
            long[] start = new long[1];
            Bootstrap b = new Bootstrap().group(group)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024),
                                    new Resumer(live, failures, untilLive, start));
                        }
                    });
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
            List<Channel> channels = new ArrayList<>(clients);
            Semaphore inFlight = new Semaphore(256);
            long connectStart = System.nanoTime();
            List<ChannelFuture> connects = new ArrayList<>(clients);
            for (int i = 0; i < clients; i++) {
                inFlight.acquire();
                ChannelFuture f = b.connect(address);
                f.addListener(done -> inFlight.release());
                connects.add(f);
            }
            for (ChannelFuture f : connects) {
                if (!f.awaitUninterruptibly().isSuccess()) {
                    throw new IllegalStateException("connect failed: " + f.cause(), f.cause());
                }
                channels.add(f.channel());
            }
            out.printf(Locale.ROOT, "connected %d clients in %.2f s%n", clients,
                    (System.nanoTime() - connectStart) / 1e9);
            long commands0 = commandsProcessed(control);
            long evals0 = scriptCalls(control);
            Map<String, String> stats0 = server.stats(false);
            double serverCpu0 = ProcStats.cpuSeconds(server.pid());
            double serverSys0 = ProcStats.systemCpuSeconds(server.pid());
            double redisCpu0 = ProcStats.cpuSeconds(redis.pid());
            double selfCpu0 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
            byte[] command = ("SUB storm FROM " + from + "\r\n").getBytes(StandardCharsets.US_ASCII);
            start[0] = System.nanoTime();
            for (Channel ch : channels) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(command));
            }
            boolean all = live.await(timeout, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start[0]) / 1e9;
            double serverCpu = ProcStats.cpuSeconds(server.pid()) - serverCpu0;
            double serverSys = ProcStats.systemCpuSeconds(server.pid()) - serverSys0;
            double redisCpu = ProcStats.cpuSeconds(redis.pid()) - redisCpu0;
            double selfCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - selfCpu0;
            long commands = commandsProcessed(control) - commands0 - 1; // less the INFO that measured it
            long evals = scriptCalls(control) - evals0;
            Map<String, String> stats = server.stats(false);
            long reads = Long.parseLong(stats.get("historyReads")) - Long.parseLong(stats0.get("historyReads"));
            long shared = Long.parseLong(stats.get("historyReadsShared"))
                    - Long.parseLong(stats0.get("historyReadsShared"));
            out.printf(Locale.ROOT, "%s: %d of %d clients live (RECOVERED %d and every message) in %.2f s; "
                    + "per client ms p50 %.1f p99 %.1f max %.1f; failures %d%n", all ? "done" : "TIMED OUT",
                    clients - live.getCount(), clients, behind, seconds, untilLive.getValueAtPercentile(50) / 1e6,
                    untilLive.getValueAtPercentile(99) / 1e6, untilLive.getMaxValue() / 1e6, failures.get());
            out.printf(Locale.ROOT, "history reads: %d sent to Redis, %d shared; Redis commands during the storm "
                    + "%d (script calls %d); server replayed %d messages%n", reads, shared, commands, evals,
                    Long.parseLong(stats.get("replayed")) - Long.parseLong(stats0.get("replayed")));
            out.printf(Locale.ROOT, "CPU s: server %.2f (%.2f in the kernel), redis %.2f, clients %.2f%n", serverCpu,
                    serverSys, redisCpu, selfCpu);
            List<ChannelFuture> closes = new ArrayList<>(channels.size());
            for (Channel ch : channels) {
                closes.add(ch.close());
            }
            for (ChannelFuture f : closes) {
                f.awaitUninterruptibly();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static long commandsProcessed(RespClient control) {
        return infoField(control, "stats", "total_commands_processed");
    }

    private static long scriptCalls(RespClient control) {
        String info = (String) control.command("INFO", "commandstats");
        long calls = 0;
        for (String line : info.split("\r\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int at = line.indexOf("calls=") + 6;
                calls += Long.parseLong(line.substring(at, line.indexOf(',', at)));
            }
        }
        return calls;
    }

    private static long infoField(RespClient control, String section, String field) {
        String info = (String) control.command("INFO", section);
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }

    /** One resuming client: expects {@code +OK <top> RECOVERED <behind>}, then that many pushes. */
    private final class Resumer extends SimpleChannelInboundHandler<ByteBuf> {
        private final CountDownLatch live;
        private final AtomicInteger failures;
        private final Histogram untilLive;
        private final long[] start;
        private boolean replied;
        private int pushes;

        Resumer(CountDownLatch live, AtomicInteger failures, Histogram untilLive, long[] start) {
            this.live = live;
            this.failures = failures;
            this.untilLive = untilLive;
            this.start = start;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            if (!replied) {
                replied = true;
                String reply = line.toString(StandardCharsets.US_ASCII);
                if (!reply.startsWith("+OK ") || !reply.endsWith(" RECOVERED " + behind)) {
                    failures.incrementAndGet();
                    System.err.println("unexpected reply: " + reply);
                }
                return;
            }
            if (line.readableBytes() > 4 && ByteBufUtil.equals(line, 0, MSG, 0, 4) && ++pushes == behind) {
                untilLive.recordValue(System.nanoTime() - start[0]);
                live.countDown();
            }
        }
    }

    private static final ByteBuf MSG = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("MSG ", StandardCharsets.US_ASCII));
}
