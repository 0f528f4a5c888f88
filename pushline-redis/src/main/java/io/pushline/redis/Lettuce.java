package io.pushline.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lettuce set-up shared by {@link RedisMessageSource} and {@link RedisPublisher}: the codec, the client a
 * source or publisher creates for itself, how that client is shut down, and how a URI is described in logs.
 */
final class Lettuce {
    /** Channel names are UTF-8 strings, payloads stay raw bytes. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /**
     * How long a cluster client's connection attempt may take: 2 s. A topology refresh connects to every known node,
     * so one dead host that drops packets would otherwise hold it (and the failover) for Lettuce's default 10 s.
     */
    static final Duration CLUSTER_CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** How long {@code close()} waits for one connection to close, or for owned resources to shut down. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(Lettuce.class);

    private Lettuce() {
    }

    /**
     * A client with its own resources: what a source or publisher creates, owns and shuts down.
     */
    static final class OwnedClient<C extends AbstractRedisClient> {
        final C client;
        final ClientResources resources;

        private OwnedClient(C client, ClientResources resources) {
            this.client = client;
            this.resources = resources;
        }

        /** Shuts down the client, then its resources; bounded, never throws. */
        void shutdown() {
            try {
                client.shutdown(Duration.ZERO, CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("Redis client did not shut down cleanly", e);
            }
            Future<Boolean> done = resources.shutdown(0, CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            try {
                if (!done.await(CLOSE_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                    LOG.warn("Lettuce client resources did not shut down within {}", CLOSE_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Creates a client for {@code uri} with Pushline's settings: auto-reconnect with a jittered, bounded delay and
     * a bounded request queue.
     */
    static OwnedClient<RedisClient> newClient(RedisURI uri, int requestQueueSize) {
        Objects.requireNonNull(uri, "uri");
        ClientResources resources = newResources();
        try {
            RedisClient client = RedisClient.create(resources, uri);
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .requestQueueSize(requestQueueSize)
                    .build());
            return new OwnedClient<>(client, resources);
        } catch (RuntimeException e) {
            resources.shutdown(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Creates a Redis Cluster client for the seed nodes with Pushline's settings: as {@link #newClient}, and besides:
     * commands for a master that is disconnected fail at once instead of waiting in a queue for a node that may never
     * come back (a killed master's slots move to its replica; the caller publishes again), connections give up after
     * {@link #CLUSTER_CONNECT_TIMEOUT} (a topology refresh asks every known node, a dead one too), and the topology is
     * refreshed every {@code refreshPeriod} and whenever a command is redirected, a slot is uncovered or a node
     * cannot be reconnected (Lettuce's adaptive triggers, all on by default; here at most once a second).
     */
    static OwnedClient<RedisClusterClient> newClusterClient(List<RedisURI> seeds, int requestQueueSize,
            Duration refreshPeriod) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed node");
        }
        ClientResources resources = newResources();
        try {
            RedisClusterClient client = RedisClusterClient.create(resources, seeds);
            client.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .requestQueueSize(requestQueueSize)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(SocketOptions.builder().connectTimeout(CLUSTER_CONNECT_TIMEOUT).build())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(refreshPeriod)
                                                        .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .refreshTriggersReconnectAttempts(1)
                            .build())
                    .build());
            return new OwnedClient<>(client, resources);
        } catch (RuntimeException e) {
            resources.shutdown(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static ClientResources newResources() {
        return DefaultClientResources.builder()
                .reconnectDelay(Delay.equalJitter(RedisMessageSource.DEFAULT_RECONNECT_DELAY_MIN,
                        RedisMessageSource.DEFAULT_RECONNECT_DELAY_MAX,
                        RedisMessageSource.DEFAULT_RECONNECT_DELAY_MIN.toMillis(), TimeUnit.MILLISECONDS))
                .build();
    }

    /**
     * Parses a comma-separated list of seed URIs ({@code redis://127.0.0.1:30001,redis://127.0.0.1:30002}).
     *
     * @throws IllegalArgumentException when there is none, or one cannot be parsed
     */
    static List<RedisURI> seeds(String uris) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String uri : Objects.requireNonNull(uris, "uris").split(",")) {
            if (!uri.isBlank()) {
                seeds.add(RedisURI.create(uri.trim()));
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed node in '" + uris + "'");
        }
        return List.copyOf(seeds);
    }

    /**
     * Describes a URI for logs and {@code toString()}: scheme, host and port (or socket, or sentinel master) and
     * database, never credentials.
     */
    static String describe(RedisURI uri) {
        String database = uri.getDatabase() == 0 ? "" : "/" + uri.getDatabase();
        if (uri.getSocket() != null) {
            return "redis-socket://" + uri.getSocket() + database;
        }
        if (!uri.getSentinels().isEmpty()) {
            return "redis-sentinel://" + uri.getSentinelMasterId() + database;
        }
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort() + database;
    }

    /** Waits for a close or shutdown future, at most {@link #CLOSE_TIMEOUT}; logs instead of throwing. */
    static void awaitClosed(CompletableFuture<?> closing, String what) {
        try {
            closing.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("{} did not close cleanly", what, e.getCause());
        } catch (TimeoutException e) {
            LOG.warn("{} did not close within {}", what, CLOSE_TIMEOUT);
        }
    }

    /** Returns the cause of a failed future's exception, unwrapping the wrappers that futures add. */
    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
