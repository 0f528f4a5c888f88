package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerLimits;
import io.pushline.redis.RedisClusterMessageSource;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushline servers on a Redis Cluster, each on its own {@link RedisClusterMessageSource}, with clients spread over
 * them, for the cluster proofs: {@link #server} alone, or a whole run ({@link #ClusterRun}): servers with history,
 * clients subscribed to some of the topics each, and a {@link ClusterStream} over the topics; {@link #finish()}
 * stops the stream and checks that every client got every message exactly once, in order, with no connection lost.
 * What it creates is closed by the test's {@link CloseAfterEach}.
 */
final class ClusterRun {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A server, what its listener heard, and how its clients fared. */
    static final class Server {
        final List<SourceState> states = new CopyOnWriteArrayList<>();
        final AtomicInteger resubscribed = new AtomicInteger();
        final List<String> disconnected = new CopyOnWriteArrayList<>();
        PushServer server;
    }

    final List<Server> servers = new ArrayList<>();
    final Map<StreamClient, List<String>> clients = new LinkedHashMap<>();
    final List<String> topics;
    final ClusterStream stream;
    private final int clientsPerServer;

    /**
     * Starts {@code servers} servers with history, {@code clients} clients (spread round-robin over the servers)
     * subscribed to {@code topicsPerClient} of the topics each, and a stream of {@code perSecond} messages a second.
     */
    ClusterRun(RedisClusterExtension cluster, CloseAfterEach closer, HistoryOptions history, List<String> topics,
            int servers, int clients, int topicsPerClient, int perSecond) {
        this.topics = topics;
        this.clientsPerServer = clients / servers;
        for (int i = 0; i < servers; i++) {
            this.servers.add(server(cluster, closer, history));
        }
        int stride = Math.max(1, topics.size() / topicsPerClient);
        for (int c = 0; c < clients; c++) {
            StreamClient client = closer.add(new StreamClient(this.servers.get(c % servers).server.port()));
            List<String> mine = new ArrayList<>();
            for (int k = 0; k < topicsPerClient; k++) {
                mine.add(topics.get((c + stride * k) % topics.size()));
            }
            mine.forEach(client::subscribe);
            client.startReading();
            this.clients.put(client, mine);
        }
        RedisPublisher publisher = closer.add(RedisPublisher.createCluster(seeds(cluster), history));
        stream = closer.add(new ClusterStream(publisher, topics, perSecond));
    }

    static List<RedisURI> seeds(RedisClusterExtension cluster) {
        return cluster.seeds().stream().map(RedisURI::create).toList();
    }

    /** A server on its own cluster source (with history when not null) whose listener records what it hears. */
    static Server server(RedisClusterExtension cluster, CloseAfterEach closer, HistoryOptions history) {
        Server s = new Server();
        RedisClusterMessageSource source = history == null ? RedisClusterMessageSource.create(seeds(cluster))
                : RedisClusterMessageSource.create(seeds(cluster), history);
        s.server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .source(source).limits(ServerLimits.builder().maxReplay(100_000, 64 << 20).build())
                .timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1)))
                .listener(new PushListener() {
                    @Override
                    public void sourceStateChanged(SourceState state) {
                        s.states.add(state);
                    }

                    @Override
                    public void sourceResubscribed() {
                        s.resubscribed.incrementAndGet();
                    }

                    @Override
                    public void clientDisconnected(Client client, CloseReason reason) {
                        s.disconnected.add(client + ": " + reason);
                    }
                }).build().start());
        return s;
    }

    /**
     * Stops the stream and checks every client: every offset after its subscription up to the last one Redis
     * confirmed, once each, in order, in one epoch, every confirmed payload among them; no {@code $lost}, no
     * connection lost.
     *
     * @return the deliveries checked
     */
    long finish() throws InterruptedException {
        stream.stop(TIMEOUT);
        Map<String, Position> last = new HashMap<>();
        for (String topic : topics) {
            List<Position> confirmed = stream.topic(topic).positions;
            last.put(topic, confirmed.get(confirmed.size() - 1));
        }
        await("every client caught up on every topic").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20)).until(() -> clients.entrySet().stream().allMatch(e ->
                        e.getValue().stream().allMatch(topic -> caughtUp(e.getKey(), topic, last.get(topic)))));
        long deliveries = 0;
        for (Map.Entry<StreamClient, List<String>> e : clients.entrySet()) {
            StreamClient client = e.getKey();
            for (String topic : e.getValue()) {
                deliveries += checkOnceInOrder(client, topic, last.get(topic));
            }
            assertThat(client.lost).as("$lost on port %d", client.port).isEmpty();
            assertThat(client.unexpected).isEmpty();
            assertThat(client.ended()).as("connection of a client of port %d", client.port).isNull();
        }
        for (Server s : servers) {
            assertThat(s.disconnected).as("clients disconnected by the server on %d", s.server.port()).isEmpty();
            assertThat(s.server.connectionCount()).isEqualTo(clientsPerServer);
            assertThat(s.server.metrics().history().topicsLost()).isZero();
        }
        System.out.printf("stream: %d messages confirmed (%d publishes retried), %d deliveries checked, gaps "
                + "repaired by the servers: %s%n", stream.confirmed(), stream.retries(), deliveries,
                servers.stream().map(s -> s.server.metrics().history().gapsRepaired()).toList());
        return deliveries;
    }

    /**
     * Stops the stream and checks that no loss went unannounced, for runs where Redis may lose acknowledged writes (a
     * forced failover): per client and topic, every message follows the one before or the position a {@code $lost}
     * notice gave, and what the client holds from its last notice on is exactly what Redis's history holds there,
     * position by position.
     *
     * @return the {@code $lost} notices the clients got
     */
    long finishAllowingAnnouncedLoss(RedisClusterExtension cluster) throws InterruptedException {
        stream.stop(TIMEOUT);
        long notices = 0;
        for (String topic : topics) {
            String stream = "pushline:{" + topic + "}:" + topic + ":s"; // RedisKeys: a topic without braces is its tag
            List<?> entries = (List<?>) cluster.masterOf(stream).command("XRANGE", stream, "-", "+");
            Map<Long, String> history = new HashMap<>();
            long top = 0;
            for (Object e : entries) {
                List<?> entry = (List<?>) e;
                long offset = Long.parseLong(String.valueOf(entry.get(0)).split("-")[0]);
                history.put(offset, String.valueOf(((List<?>) entry.get(1)).get(1)));
                top = Math.max(top, offset);
            }
            long finalTop = top;
            for (Map.Entry<StreamClient, List<String>> e : clients.entrySet()) {
                if (!e.getValue().contains(topic)) {
                    continue;
                }
                StreamClient client = e.getKey();
                await("port " + client.port + " caught up on " + topic).atMost(TIMEOUT).pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(20)).until(() -> caughtUp(client, topic,
                                Position.of(finalTop, client.tops.get(topic).epoch())));
                List<String> events;
                synchronized (client.events.get(topic)) {
                    events = new ArrayList<>(client.events.get(topic));
                }
                Position previous = client.tops.get(topic);
                Map<Long, String> since = new HashMap<>();
                for (String event : events) {
                    String[] parts = event.split(" ", 2);
                    if (parts[0].equals("$lost")) {
                        previous = Position.parse(parts[1]).orElseThrow();
                        since.clear();
                        notices++;
                        continue;
                    }
                    Position p = Position.parse(parts[0]).orElseThrow();
                    assertThat(p.follows(previous)).as("port %d, %s: %s after %s", client.port, topic, p, previous)
                            .isTrue();
                    since.put(p.offset(), parts[1]);
                    previous = p;
                }
                for (Map.Entry<Long, String> m : since.entrySet()) {
                    assertThat(m.getValue()).as("port %d, %s at %d: what the client has, what history has",
                            client.port, topic, m.getKey()).isEqualTo(history.get(m.getKey()));
                }
            }
        }
        System.out.printf("stream: %d messages confirmed (%d publishes retried); %d $lost notices, each followed by "
                + "history exactly%n", stream.confirmed(), stream.retries(), notices);
        return notices;
    }

    private static boolean caughtUp(StreamClient client, String topic, Position top) {
        List<Position> got = client.positions.get(topic);
        synchronized (got) {
            return !got.isEmpty() && got.get(got.size() - 1).offset() >= top.offset();
        }
    }

    private long checkOnceInOrder(StreamClient client, String topic, Position top) {
        List<Position> got;
        List<String> payloads;
        synchronized (client.positions.get(topic)) {
            got = new ArrayList<>(client.positions.get(topic));
            payloads = new ArrayList<>(client.payloads.get(topic));
        }
        Position previous = client.tops.get(topic);
        for (Position p : got) {
            assertThat(p.follows(previous)).as("port %d, %s: %s after %s", client.port, topic, p, previous).isTrue();
            previous = p;
        }
        assertThat(previous).as("port %d, %s: the last one", client.port, topic).isEqualTo(top);
        assertThat(new HashSet<>(payloads)).as("port %d, %s: every confirmed payload", client.port, topic)
                .containsAll(stream.topic(topic).payloads);
        return got.size();
    }
}
