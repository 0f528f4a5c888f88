package io.pushline.bench;

import io.lettuce.core.RedisURI;
import io.netty.buffer.PooledByteBufAllocator;
import io.pushline.DropReason;
import io.pushline.HistoryOptions;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushMetrics;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.PushServer;
import io.pushline.netty.PushServerBuilder;
import io.pushline.netty.ServerWebSocket;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTls;
import io.pushline.nats.NatsMessageSource;
import io.pushline.redis.RedisMessageSource;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Pushline server under test, in its own process so that its CPU and memory are its own. It relays one Redis
 * channel (or NATS subject) to every raw client, prints {@code READY <port>} once listening, and answers
 * {@code stats} / {@code stats gc} lines on stdin with one {@code STATS key=value ...} line; {@code quit} or the
 * end of stdin closes it.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "The Pushline server process under test (started by 'load'; stats on stdin).")
final class BenchServerCommand implements Callable<Integer> {
    @Option(names = "--port", description = "TCP port (default: ${DEFAULT-VALUE}, 0 = any free port).")
    int port;

    @Option(names = "--redis", description = "Redis URI to relay from.")
    String redis;

    @Option(names = "--nats", description = "NATS URL to relay from (instead of --redis).")
    String nats;

    @Option(names = "--topic", description = "The channel every client receives (default: ${DEFAULT-VALUE}).")
    String topic = "bench";

    @Option(names = "--threads", description = "Event loop threads (default: ${DEFAULT-VALUE}, 0 = cores).")
    int threads;

    @Option(names = "--max-queued", description = "Per-connection outbound bound in bytes (default: ${DEFAULT-VALUE}).")
    int maxQueued = ServerLimits.DEFAULT_MAX_QUEUED_BYTES;

    @Option(names = "--soft-queued", description = "Soft outbound limit in bytes (default: ${DEFAULT-VALUE}).")
    int softQueued = ServerLimits.DEFAULT_SOFT_QUEUED_BYTES;

    @Option(names = "--soft-queued-seconds", description = "How long a connection may stay over --soft-queued "
            + "(default: ${DEFAULT-VALUE}).")
    long softQueuedSeconds = ServerLimits.DEFAULT_SOFT_QUEUED_DURATION.toSeconds();

    @Option(names = "--slow-policy", description = "DISCONNECT or DROP (default: ${DEFAULT-VALUE}).")
    SlowConsumerPolicy slowPolicy = SlowConsumerPolicy.DISCONNECT;

    @Option(names = "--history", description = "Keep history (the defaults) on every topic: positions, resume.")
    boolean history;

    @Option(names = "--commands", description = "Speak the commands protocol (clients SUB) instead of raw.")
    boolean commands;

    @Option(names = "--websocket-port", description = "Also serve WebSocket clients on this port (/ws).")
    int webSocketPort = -1;

    @Option(names = "--nio", description = "Use the NIO transport instead of epoll.")
    boolean nio;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate chain.")
    File tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key of --tls-cert.")
    File tlsKey;

    @Option(names = "--tls-provider", description = "OPENSSL or JDK (default: OpenSSL when available).")
    io.netty.handler.ssl.SslProvider tlsProvider;

    @Override
    public Integer call() throws Exception {
        if ((redis == null) == (nats == null)) {
            throw new IllegalArgumentException("give exactly one of --redis and --nats");
        }
        PushServerBuilder builder = PushServer.builder()
                .port(port)
                .host("127.0.0.1")
                .source(source())
                // every load-tool client comes from 127.0.0.1 (unless --bind): the per-address limit would cap the run
                .limits(l -> l.maxQueuedBytes(maxQueued)
                        .softQueuedLimit(softQueued, java.time.Duration.ofSeconds(softQueuedSeconds))
                        .slowConsumerPolicy(slowPolicy)
                        .maxConnectionsPerAddress(Integer.MAX_VALUE))
                .nativeTransport(!nio);
        if (commands) {
            builder.protocol(Protocol.COMMANDS);
        } else {
            builder.defaultTopics(topic);
        }
        if (threads > 0) {
            builder.eventLoopThreads(threads);
        }
        if (webSocketPort >= 0) {
            builder.webSocket(ServerWebSocket.builder().port(webSocketPort).build());
        }
        if (tlsCert != null) {
            builder.tls(ServerTls.builder(tlsCert, tlsKey).provider(tlsProvider).build());
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (PushServer server = builder.build().start()) {
            out.println("READY " + server.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                if (line.startsWith("stats")) {
                    out.println(stats(server, line.endsWith("gc")));
                }
            }
        }
        return 0;
    }

    private MessageSource source() {
        if (nats != null) {
            return history ? NatsMessageSource.create(nats, HistoryOptions.defaults()) : NatsMessageSource.create(nats);
        }
        return history ? RedisMessageSource.create(RedisURI.create(redis), HistoryOptions.defaults())
                : RedisMessageSource.create(redis);
    }

    private static String stats(PushServer server, boolean gc) {
        if (gc) {
            System.gc();
            System.gc();
        }
        PushMetrics m = server.metrics();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        return "STATS connections=" + m.connections()
                + " heapUsed=" + heap
                + " directUsed=" + direct
                + " received=" + m.messagesReceived()
                + " delivered=" + m.messagesDelivered()
                + " droppedSlow=" + m.messagesDropped().getOrDefault(DropReason.SLOW_CONSUMER, 0L)
                + " droppedOverload=" + m.messagesDropped().getOrDefault(DropReason.SERVER_OVERLOADED, 0L)
                + " slowConsumers=" + m.slowConsumers()
                + " refused=" + m.connectionsRefused()
                + " sourceDownEvents=" + m.sourceDownEvents()
                + " sourceState=" + m.sourceState()
                + " historyReads=" + m.history().reads()
                + " historyReadsShared=" + m.history().readsShared()
                + " replayed=" + m.history().replayedMessages()
                + " gapsRepaired=" + m.history().gapsRepaired()
                + " resumesLost=" + m.history().resumesLost();
    }
}
