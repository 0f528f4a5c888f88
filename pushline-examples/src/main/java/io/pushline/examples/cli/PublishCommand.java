package io.pushline.examples.cli;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.PatternDialect;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.Topics;
import io.pushline.nats.NatsPublisher;
import io.pushline.redis.RedisPublisher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pushline publish}: publishes to a Redis, Redis Cluster or NATS topic with positions (Redis: the history
 * script, in the topic's slot on a cluster; NATS: the topic's JetStream stream), so that clients of a
 * {@code server --redis/--redis-cluster/--nats ... --history} can resume; prints each message's position. The
 * message is the argument, or each line of standard input when there is none.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publishes to a Redis or NATS topic with positions (history), printing each message's "
                + "position. Without MESSAGE, each line of standard input is one message.")
final class PublishCommand implements Callable<Integer> {
    @Option(names = "--redis", paramLabel = "URI", converter = Converters.Redis.class,
            description = "Redis URI, e.g. redis://127.0.0.1:6379 (credentials in the URI are never printed).")
    String redis;

    @Option(names = "--nats", paramLabel = "URL",
            description = "NATS URL(s), e.g. nats://127.0.0.1:4222; history goes to the topic's JetStream stream.")
    String nats;

    @Option(names = "--redis-cluster", paramLabel = "URI[,URI...]", description = "Redis Cluster seed nodes, e.g. "
            + "redis://127.0.0.1:30001,redis://127.0.0.1:30002: publishes with SPUBLISH to the master of the "
            + "topic's slot; exclusive with --redis, one of them is needed.")
    String redisCluster;

    @Option(names = "--history-size", paramLabel = "N", defaultValue = "1000", converter = Converters.Positive.class,
            description = "Most messages kept per topic, as on the server (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--history-ttl", paramLabel = "DURATION", defaultValue = "10m",
            converter = Converters.PositiveDuration.class,
            description = "How long messages are kept after the topic's last publish, as on the server "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration historyTtl;

    @Option(names = "--plain", description = "Publish plainly (Redis PUBLISH, NATS core publish): no position, "
            + "nothing kept.")
    boolean plain;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic (Redis channel, NATS subject).")
    String topic;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MESSAGE",
            description = "The message; without it, each line of standard input.")
    String message;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Creates the command (picocli does this). */
    PublishCommand() {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        int brokers = (redis == null ? 0 : 1) + (redisCluster == null ? 0 : 1) + (nats == null ? 0 : 1);
        if (brokers != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give exactly one of --redis, --redis-cluster and --nats");
        }
        String problem = nats != null ? PatternDialect.natsSubjects().topicProblem(topic) : Topics.problem(topic);
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "TOPIC: " + problem);
        }
        HistoryOptions history;
        try {
            history = HistoryOptions.builder().size(historySize).ttl(historyTtl).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (nats != null) {
            NatsPublisher connected;
            try {
                connected = plain ? NatsPublisher.create(nats) : NatsPublisher.create(nats, history);
            } catch (SourceException e) {
                System.err.println("not published: " + e.getMessage());
                return 1;
            }
            try (NatsPublisher publisher = connected) {
                return publishAll(plain ? (t, p) -> publisher.publish(t, p).thenApply(v -> "-")
                        : (t, p) -> publisher.publishWithPosition(t, p).thenApply(Position::toString), out);
            }
        }
        try (RedisPublisher publisher = publisher(history)) {
            return publishAll(plain ? (t, p) -> publisher.publish(t, p).thenApply(receivers -> "-")
                    : (t, p) -> publisher.publishWithPosition(t, p).thenApply(Position::toString), out);
        }
    }

    /** Publishes the argument, or each line of standard input; 0 when all were published, else 1. */
    private int publishAll(BiFunction<String, byte[], CompletableFuture<String>> publish, PrintStream out)
            throws IOException, InterruptedException {
        if (message != null) {
            return publish(publish, message, out) ? 0 : 1;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean ok = true;
        for (String line; (line = in.readLine()) != null; ) {
            ok &= publish(publish, line, out);
        }
        return ok ? 0 : 1;
    }

    private RedisPublisher publisher(HistoryOptions history) {
        if (redisCluster != null) {
            List<RedisURI> seeds = seeds(redisCluster);
            return plain ? RedisPublisher.createCluster(seeds) : RedisPublisher.createCluster(seeds, history);
        }
        RedisURI uri = RedisURI.create(redis);
        return plain ? RedisPublisher.create(uri) : RedisPublisher.create(uri, history);
    }

    /** The seed URIs of a {@code --redis-cluster} value: comma-separated. */
    static List<RedisURI> seeds(String uris) {
        return Arrays.stream(uris.split(",")).map(String::trim).filter(u -> !u.isEmpty()).map(RedisURI::create)
                .toList();
    }

    /** Publishes one message and prints its position ({@code -} with {@code --plain}); false when it failed. */
    private boolean publish(BiFunction<String, byte[], CompletableFuture<String>> publish, String text,
            PrintStream out) throws InterruptedException {
        CompletableFuture<String> done = publish.apply(topic, text.getBytes(StandardCharsets.UTF_8));
        try {
            out.println(done.get(10, TimeUnit.SECONDS));
            return true;
        } catch (ExecutionException e) {
            System.err.println("not published: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            System.err.println("not published: the broker did not answer within 10 s");
        }
        return false;
    }
}
