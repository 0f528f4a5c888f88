package io.pushline.examples.cli;

import io.netty.handler.ssl.SslProvider;
import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.PushServer;
import io.pushline.netty.PushServerBuilder;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTls;
import io.pushline.netty.ServerWebSocket;
import io.pushline.nats.NatsMessageSource;
import io.pushline.redis.RedisClusterMessageSource;
import io.pushline.redis.RedisMessageSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pushline server}: runs a push server until SIGTERM or Ctrl-C, which close it gracefully (exit status 0).
 * Without {@code --redis}, {@code --redis-cluster} or {@code --nats} it runs on the in-memory source and publishes
 * every line typed on standard input to the first topic.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Runs a push server. Without --redis or --nats, lines typed on standard input are pushed.")
final class ServerCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", converter = Converters.Port.class,
            defaultValue = "5567", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", description = "Address to bind (default: every interface).")
    String host;

    @Option(names = "--redis", converter = Converters.Redis.class,
            paramLabel = "URI", description = "Redis URI, e.g. redis://127.0.0.1:6379 "
            + "(default: the embedded in-memory source).")
    String redis;

    @Option(names = "--nats", paramLabel = "URL", description = "NATS server URL(s), comma-separated, e.g. "
            + "nats://127.0.0.1:4222 or nats://user:password@host:4222 (default: the embedded in-memory source). "
            + "Topics are subjects and PSUB takes NATS wildcards: * is one token, a last > one or more.")
    String nats;

    @Option(names = "--redis-cluster", paramLabel = "URI[,URI...]", description = "Redis Cluster seed nodes, e.g. "
            + "redis://127.0.0.1:30001,redis://127.0.0.1:30002: sharded Pub/Sub (SSUBSCRIBE, one subscriber "
            + "connection per master that holds subscribed topics), no patterns; exclusive with --redis.")
    String redisCluster;

    @Option(names = "--await-broker", description = "Connect to the broker before serving, and exit with status 1 "
            + "when it cannot be reached (default: serve at once, report the source DOWN, and connect in the "
            + "background, retrying with backoff).")
    boolean awaitBroker;

    @Option(names = "--topic", converter = Converters.Topic.class, paramLabel = "TOPIC", defaultValue = "updates",
            description = "Default topic every client gets; repeatable (default: ${DEFAULT-VALUE}).")
    List<String> topics;

    @picocli.CommandLine.Mixin
    FramingOptions framingOptions = new FramingOptions();

    @picocli.CommandLine.Mixin
    WebSocketOptions webSocketOptions = new WebSocketOptions();

    @Option(names = "--protocol", defaultValue = "raw",
            description = "raw or commands (default: ${DEFAULT-VALUE}); see PROTOCOL.md.")
    Protocol protocol;

    @Option(names = "--allow-publish", description = "Let commands clients publish with PUB (default: off).")
    boolean allowPublish;

    @Option(names = "--echo", description = "Echo every frame back to the client that sent it.")
    boolean echo;

    @Option(names = "--max-queued", paramLabel = "SIZE", defaultValue = "32m", converter = Converters.QueuedSize.class,
            description = "Hard outbound limit per connection: past it the slow-consumer policy applies at once, e.g. "
                    + "256k, 32m (default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--soft-queued", paramLabel = "SIZE", defaultValue = "8m", converter = Converters.QueuedSize.class,
            description = "Soft outbound limit per connection: a client over it for longer than --soft-queued-for is "
                    + "a slow consumer (default: ${DEFAULT-VALUE}).")
    int softQueued;

    @Option(names = "--soft-queued-for", paramLabel = "DURATION", defaultValue = "60s",
            converter = Converters.NonNegativeDuration.class,
            description = "How long a client may stay over --soft-queued; 0s makes it a hard limit "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration softQueuedFor;

    @Option(names = "--slow-policy", defaultValue = "disconnect",
            description = "What to do with a slow consumer: disconnect or drop (default: ${DEFAULT-VALUE}).")
    SlowConsumerPolicy slowPolicy;

    @Option(names = "--max-connections", converter = Converters.Positive.class,
            paramLabel = "N", defaultValue = "1000000",
            description = "Most open connections (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-connections-per-address", converter = Converters.Positive.class,
            paramLabel = "N", defaultValue = "1000",
            description = "Most open connections from one IP address or IPv6 /64 (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerAddress;

    @Option(names = "--max-topics", converter = Converters.Positive.class, paramLabel = "N", defaultValue = "1024",
            description = "Most topics one commands client may subscribe to (default: ${DEFAULT-VALUE}).")
    int maxTopics;

    @Option(names = "--max-patterns", converter = Converters.NonNegative.class, paramLabel = "N", defaultValue = "64",
            description = "Most patterns one commands client may subscribe to (default: ${DEFAULT-VALUE}).")
    int maxPatterns;

    @Option(names = "--frame-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = Converters.PositiveDuration.class,
            description = "Longest time one inbound frame may take to arrive (default: ${DEFAULT-VALUE}).")
    Duration frameTimeout;

    @Option(names = "--broker-timeout", paramLabel = "DURATION", defaultValue = "5s",
            converter = Converters.PositiveDuration.class,
            description = "Longest wait for the broker to confirm a SUB or accept a PUB (default: ${DEFAULT-VALUE}).")
    Duration brokerTimeout;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.PositiveDuration.class,
            
            description = "Heartbeat interval (commands: server PING when the client is silent) "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = Converters.PositiveDuration.class,
            description = "Close clients silent this long (default: 90s on commands, never on raw).")
    Duration idleTimeout;

    @Option(names = "--rate-limit", converter = Converters.Positive.class,
            paramLabel = "FRAMES_PER_SECOND", defaultValue = "10000",
            description = "Most frames per second each client may send (default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--byte-rate-limit", paramLabel = "SIZE", defaultValue = "4m", converter = SizeConverter.class,
            description = "Most bytes per second each client may send (default: ${DEFAULT-VALUE}).")
    int byteRateLimit;

    @Option(names = "--rate-policy", defaultValue = "throttle",
            description = "Over the rate limit: throttle or disconnect (default: ${DEFAULT-VALUE}).")
    RateLimitPolicy ratePolicy;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate chain.")
    java.io.File tlsCert;

    @Option(names = "--tls-provider", paramLabel = "PROVIDER", description = "TLS implementation: auto (OpenSSL "
            + "when available, the jar bundles it), openssl or jdk (default: ${DEFAULT-VALUE}).")
    String tlsProvider = "auto";

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key of --tls-cert (PKCS#8 PEM).")
    java.io.File tlsKey;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "Require client certificates issued by these CAs (mutual TLS).")
    java.io.File tlsCa;

    @Option(names = "--history", description = "Keep history for every topic: messages get positions, and "
            + "commands clients resume after a reconnect (SUB ... FROM) or start with the latest messages (SUB ... "
            + "LAST). With --redis or --redis-cluster the history is kept in Redis (a stream per topic, in the "
            + "topic's slot), with --nats in JetStream (a stream per topic, created on first use), and only "
            + "messages published with positions (the server's PUB, 'pushline publish', RedisPublisher, "
            + "NatsPublisher) get one (default: off).")
    boolean history;

    @Option(names = "--history-size", converter = Converters.Positive.class, paramLabel = "N", defaultValue = "1000",
            description = "With --history: most messages kept per topic (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--history-ttl", paramLabel = "DURATION", defaultValue = "10m",
            converter = Converters.PositiveDuration.class,
            
            description = "With --history: how long messages are kept after the topic's last publish "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration historyTtl;

    @Option(names = "--max-replay", converter = Converters.Positive.class, paramLabel = "N", defaultValue = "1000",
            description = "Most messages one resume replays; a client further behind is told its messages are lost "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxReplay;

    @Option(names = "--stats", paramLabel = "DURATION", converter = Converters.PositiveDuration.class,
            description = "Print a one-line stats summary this often, e.g. 5s (default: off).")
    Duration stats;

    @Override
    public Integer call() throws IOException, InterruptedException {
        checkBroker();
        HistoryOptions historyOptions = historyOptions();
        Framing framed = framingOptions.framing();
        PushServerBuilder builder = PushServer.builder().port(port).framing(framed)
                .protocol(protocol).allowPublish(allowPublish).defaultTopics(topics.toArray(new String[0]))
                .onClientFrame(echo ? ClientHandlers.echo() : ClientHandlers.ignore())
                .limits(l -> l.maxQueuedBytes(maxQueued).softQueuedLimit(softQueued, softQueuedFor)
                        .slowConsumerPolicy(slowPolicy).maxConnections(maxConnections).maxConnectionsPerAddress(maxConnectionsPerAddress)
                        .inboundRateLimit(rateLimit).inboundByteRateLimit(byteRateLimit).inboundRatePolicy(ratePolicy)
                        .maxSubscriptionsPerConnection(maxTopics, maxPatterns)
                        .maxReplay(maxReplay, ServerLimits.DEFAULT_MAX_REPLAY_BYTES))
                .timeouts(t -> t.heartbeatInterval(heartbeat).frameTimeout(frameTimeout).brokerTimeout(brokerTimeout));
        if (idleTimeout != null) {
            builder.timeouts(t -> t.idleTimeout(idleTimeout));
        }
        if ((tlsCert == null) != (tlsKey == null) || (tlsCa != null && tlsCert == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "TLS needs both --tls-cert and --tls-key (and --tls-ca only with them)");
        }
        if (!tlsProvider.equals("auto") && tlsCert == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--tls-provider needs --tls-cert and --tls-key");
        }
        if (tlsCert != null) {
            ServerTls.Builder tls = ServerTls.builder(tlsCert, tlsKey);
            switch (tlsProvider) {
                case "auto" -> tls.provider(null);
                case "openssl" -> tls.provider(SslProvider.OPENSSL);
                case "jdk" -> tls.provider(SslProvider.JDK);
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--tls-provider: auto, openssl or jdk, not '" + tlsProvider + "'");
            }
            if (tlsCa != null) {
                tls.clientAuth(tlsCa);
            }
            builder.tls(tls.build());
        }
        if (host != null) {
            builder.host(host);
        }
        ServerWebSocket webSocket = webSocketOptions.webSocket(spec, protocol, topics, history, allowPublish);
        if (webSocket != null) {
            builder.webSocket(webSocket);
        }
        MessageSource source = source(historyOptions);
        boolean inMemory = redis == null && nats == null && redisCluster == null;
        // under a supervisor, serving as soon as the broker is reachable beats exiting and restarting in a loop
        PushServer server = builder.source(source).awaitSource(awaitBroker || inMemory).build().start();
        if (stats != null) {
            StatsPrinter.start(server, stats, System.out);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
            // SIGTERM/SIGINT after a graceful close is a normal end: report success, not 143/130
            Runtime.getRuntime().halt(0);
        }, "pushline-shutdown"));
        System.out.println("pushline server listening on port " + server.port() + " (" + framed + ", "
                + (tlsCert == null ? "" : tlsCa == null ? "TLS, " : "mutual TLS, ")
                + protocol.name().toLowerCase(java.util.Locale.ROOT) + ", source: "
                // the source describes itself without credentials; the --redis/--nats text may hold a password
                + (inMemory ? "in-memory" : awaitBroker || server.sourceState().isUp() ? source.toString()
                        : source + ", connecting in the background")
                + (historyOptions == null ? "" : " with history of " + historyOptions.size() + " messages for "
                        + historyOptions.ttl().toSeconds() + "s per topic")
                + (protocol == Protocol.RAW ? ", topics: " + String.join(",", topics) : "") + ")");
        if (webSocket != null) {
            String address = (host == null ? "localhost" : host) + ":" + server.webSocketPort();
            String scheme = tlsCert == null ? "" : "s";
            System.out.println("browsers: the demo page at http" + scheme + "://" + address + "/, pushline.js beside it, "
                    + "the WebSocket endpoint at ws" + scheme + "://" + address + ServerWebSocket.DEFAULT_PATH);
        }
        if (inMemory) {
            System.out.println("type a line and press Enter to push it to topic '" + topics.get(0) + "'"
                    + (protocol == Protocol.COMMANDS ? " (commands clients get it after SUB " + topics.get(0) + ")"
                            : ""));
            publishStandardInput((InMemoryMessageSource) source, topics.get(0));
        }
        stopped.await(); // standard input ended (or was never used): serve until SIGTERM
        return 0;
    }

    /** At most one broker: {@code --redis}, {@code --redis-cluster} and {@code --nats} exclude each other. */
    void checkBroker() {
        int brokers = (redis == null ? 0 : 1) + (redisCluster == null ? 0 : 1) + (nats == null ? 0 : 1);
        if (brokers > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--redis, --redis-cluster and --nats exclude each other");
        }
    }

    /** The history every topic keeps with {@code --history}, checked; null without it. */
    HistoryOptions historyOptions() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (!history) {
            for (String option : List.of("--history-size", "--history-ttl")) {
                if (parsed != null && parsed.hasMatchedOption(option)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), option + " needs --history");
                }
            }
            return null;
        }
        try {
            return HistoryOptions.builder().size(historySize).ttl(historyTtl).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--history-size/--history-ttl: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The source: in-memory, Redis ({@code --redis}), Redis Cluster ({@code --redis-cluster}) or NATS
     * ({@code --nats}), with {@code history} when not null.
     */
    private MessageSource source(HistoryOptions history) {
        if (redisCluster != null) {
            return history == null ? RedisClusterMessageSource.create(redisCluster)
                    : RedisClusterMessageSource.create(PublishCommand.seeds(redisCluster), history);
        }
        if (nats != null) {
            return history == null ? NatsMessageSource.create(nats) : NatsMessageSource.create(nats, history);
        }
        if (redis != null) {
            return history == null ? RedisMessageSource.create(redis)
                    : RedisMessageSource.create(RedisURI.create(redis), history);
        }
        return history == null ? InMemoryMessageSource.create() : InMemoryMessageSource.withHistory(history);
    }

    private static void publishStandardInput(InMemoryMessageSource source, String topic) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            source.publish(topic, line.getBytes(StandardCharsets.UTF_8)).whenComplete((ok, error) -> {
                if (error != null) {
                    System.err.println("not published: " + error.getMessage());
                }
            });
        }
    }
}
