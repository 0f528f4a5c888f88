package io.pushline.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.PatternDialect;
import io.pushline.SourceCapabilities;
import io.pushline.SourceException;
import io.pushline.SourceState;
import io.pushline.Topics;
import io.pushline.internal.MessageAccess;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageSource} on Redis Cluster with sharded Pub/Sub: a topic is a shard channel, which lives in the slot
 * of its name (CRC16, hash tags respected, as for keys), so that a message goes only to the shard that owns the
 * slot instead of to every node of the cluster, and throughput grows with the number of shards.
 *
 * <pre>{@code
 * MessageSource cluster = RedisClusterMessageSource.create("redis://10.0.0.1:6379,redis://10.0.0.2:6379");
 * }</pre>
 *
 * <h2>How it subscribes</h2>
 * <ul>
 *   <li>One subscriber connection per master that owns the slot of a subscribed topic, opened when the first such
 *       topic is subscribed, all on one I/O thread of the source's own (RESP on Netty, as
 *       {@link RedisMessageSource}'s subscriber); {@code SSUBSCRIBE} and {@code SUNSUBSCRIBE} are batched per slot.
 *       Subscriptions are made on masters, never on replicas: the master is where the message is published (no hop
 *       over the cluster bus), where a gap is repaired from (a replica may lag behind what was delivered), and its
 *       failure is seen at once as a dropped connection.</li>
 *   <li>Which master owns which slot comes from the Lettuce cluster client's view of the topology (every known node
 *       asked, {@code CLUSTER NODES}), refreshed at once when Redis ends a subscription by itself (a pushed
 *       {@code sunsubscribe}: the slot migrated, or the master was demoted by a failover), answers {@code MOVED}
 *       (then trusted directly) or {@code ASK}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, or when a connection drops;
 *       every 500 ms while a master is unreachable; and every {@link #DEFAULT_TOPOLOGY_REFRESH} otherwise. A
 *       subscription moves to its slot's new master after a failover or a migration.</li>
 *   <li>State: {@link SourceState#DEGRADED} while some of the masters that hold subscribed topics are unreachable
 *       (their topics wait; the others flow), {@link SourceState#DOWN} while all are, {@link SourceState#UP} again
 *       when all are back or their slots have moved to masters that answer. After subscriptions were lost (a
 *       dropped connection, a failover, a migration) the listener gets
 *       {@link MessageListener#onTopicsResubscribed(java.util.Set)} with those topics (or
 *       {@link MessageListener#onResubscribed()} when it was all of them) once every topic is confirmed again, so
 *       that a server repairs the gaps of exactly those topics with history.</li>
 *   <li>{@code subscribe} and {@code unsubscribe} never block: their futures complete once the master of the
 *       topic's slot confirmed. Changes made while that master is unreachable are not queued as commands: the
 *       source keeps what it should hold and confirms it once the master, or the slot's new master, answers (an
 *       unsubscription then completes, since a new connection holds nothing).</li>
 *   <li>Each connection has its own lag probe and sheds messages rather than be cut off by Redis, as
 *       {@link RedisMessageSource} describes.</li>
 *   <li>Patterns: sharded Pub/Sub has none; {@link #capabilities()} says so, so a server answers a {@code PSUB}
 *       with {@code -ERR patterns not supported by this source}.</li>
 * </ul>
 *
 * <h2>Publishing and history</h2>
 * {@link #publish} sends {@code SPUBLISH} to the master of the topic's slot through a Lettuce cluster connection.
 * Created with {@link HistoryOptions}, the source keeps history as {@link RedisMessageSource} does (same keys, same
 * envelope): the keys of a topic are in the topic's own slot, so the publish script (which ends with
 * {@code SPUBLISH}) and the read script run on the slot's master, and a failover or a migration moves the history
 * with the slot. Host applications publish with {@link RedisPublisher#createCluster(List, HistoryOptions)}.
 * Reads are retried for up to about 1.5 s while the slot's master fails over or the slot migrates; a publish is
 * retried as long only when Redis certainly did not run it ({@code TRYAGAIN}, {@code CLUSTERDOWN}, a master not
 * connected).
 *
 * <h2>Ownership</h2>
 * {@link #create(String)}, {@link #create(List)} and {@link #create(List, HistoryOptions)} create a
 * {@link RedisClusterClient} (publishing fails at once for a master that is disconnected, instead of queueing for a
 * node that may never come back) and shut it down in {@link #close()}; {@link #create(RedisClusterClient, RedisURI)}
 * uses a client the caller owns, with its options, and never shuts it down. The first seed URI's credentials, TLS
 * settings and timeout apply to the subscriber connections; the client's SSL options (trust and key material) too.
 *
 * <h2>Threading</h2>
 * Thread-safe. The listener is called on the source's subscriber I/O thread, never concurrently (the one thread
 * serves every shard, so a topic's messages keep their order when its subscription moves); it must be fast and
 * must not block. {@link #start(MessageListener)} and {@link #close()} wait for Redis, bounded; every other method
 * returns a future at once. The listener is not called after {@link #close()} returns.
 */
public final class RedisClusterMessageSource implements MessageSource {
    /** How often the topology is refreshed while nothing calls for it: 10 s. */
    public static final Duration DEFAULT_TOPOLOGY_REFRESH = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(RedisClusterMessageSource.class);
    private static final SourceCapabilities CAPABILITIES = SourceCapabilities.builder(PatternDialect.redisGlob())
            .publish(true).build();
    private static final SourceCapabilities WITH_HISTORY = SourceCapabilities.builder(PatternDialect.redisGlob())
            .publish(true).history(true).build();

    private final RedisClusterClient client;
    private final RedisURI seed;
    private final Lettuce.OwnedClient<?> owned;
    private final String description;
    private final PublishConnection<?> publisher;
    private final RedisHistory history;
    private final SourceEvents events;

    private volatile ClusterSubscriber subscriber;
    private volatile EventLoopGroup group;
    private volatile boolean closed;

    private RedisClusterMessageSource(RedisClusterClient client, RedisURI seed, String description,
            Lettuce.OwnedClient<?> owned, HistoryOptions history) {
        this.client = client;
        this.seed = seed;
        this.owned = owned;
        this.description = description;
        this.publisher = PublishConnection.cluster(client, description);
        this.history = history == null ? null : new RedisHistory(history, publisher);
        this.events = new SourceEvents(description, LOG);
    }

    /**
     * Creates a source that owns its client, from seed nodes.
     *
     * @param seeds one or more Redis URIs of cluster nodes, separated by commas, such as
     *     {@code redis://127.0.0.1:30001,redis://127.0.0.1:30002}
     * @return a new, unstarted source; close it to release its client
     * @throws IllegalArgumentException when there is no URI, or one cannot be parsed
     */
    public static RedisClusterMessageSource create(String seeds) {
        return create(Lettuce.seeds(seeds));
    }

    /**
     * Creates a source that owns its client, from seed nodes.
     *
     * @param seeds one or more cluster nodes; the first one's credentials, TLS settings and timeout apply to all
     * @return a new, unstarted source; close it to release its client
     */
    public static RedisClusterMessageSource create(List<RedisURI> seeds) {
        return owned(seeds, null);
    }

    /**
     * Creates a source that owns its client, as {@link #create(List)}, and keeps history in Redis for the topics
     * {@code history} names (see the class comment).
     *
     * @param seeds one or more cluster nodes
     * @param history how much history to keep, and for which topics
     * @return a new, unstarted source; close it to release its client
     */
    public static RedisClusterMessageSource create(List<RedisURI> seeds, HistoryOptions history) {
        return owned(seeds, Objects.requireNonNull(history, "history"));
    }

    /**
     * Creates a source on a cluster client the caller owns: {@link #close()} closes only the connections the source
     * opened.
     *
     * @param client the client, owned by the caller
     * @param seed a URI whose credentials, TLS settings and timeout the subscriber connections use
     * @return a new, unstarted source
     */
    public static RedisClusterMessageSource create(RedisClusterClient client, RedisURI seed) {
        return new RedisClusterMessageSource(Objects.requireNonNull(client, "client"),
                Objects.requireNonNull(seed, "seed"), Lettuce.describe(seed), null, null);
    }

    /**
     * Creates a source on a cluster client the caller owns, as {@link #create(RedisClusterClient, RedisURI)}, that
     * keeps history for the topics {@code history} names.
     *
     * @param client the client, owned by the caller
     * @param seed a URI whose credentials, TLS settings and timeout the subscriber connections use
     * @param history how much history to keep, and for which topics
     * @return a new, unstarted source
     */
    public static RedisClusterMessageSource create(RedisClusterClient client, RedisURI seed,
            HistoryOptions history) {
        return new RedisClusterMessageSource(Objects.requireNonNull(client, "client"),
                Objects.requireNonNull(seed, "seed"), Lettuce.describe(seed), null,
                Objects.requireNonNull(history, "history"));
    }

    private static RedisClusterMessageSource owned(List<RedisURI> seeds, HistoryOptions history) {
        List<RedisURI> copy = List.copyOf(seeds);
        Lettuce.OwnedClient<RedisClusterClient> owned = Lettuce.newClusterClient(copy,
                RedisMessageSource.DEFAULT_REQUEST_QUEUE_SIZE, DEFAULT_TOPOLOGY_REFRESH);
        return new RedisClusterMessageSource(owned.client, copy.get(0),
                copy.stream().map(Lettuce::describe).collect(Collectors.joining(",")), owned, history);
    }

    /**
     * Redis channel names ({@link PatternDialect#redisGlob()}), no patterns (sharded Pub/Sub has none), publishing;
     * history when created with {@link HistoryOptions}.
     *
     * @return the capabilities
     */
    @Override
    public SourceCapabilities capabilities() {
        return history == null ? CAPABILITIES : WITH_HISTORY;
    }

    /** True for the topics the {@link HistoryOptions} the source was created with name; false without them. */
    @Override
    public boolean hasHistory(String topic) {
        return history != null && history.appliesTo(topic);
    }

    /**
     * Connects to the cluster and reads its topology (blocking, at most for the first seed's timeout), then starts
     * delivering to {@code listener}. Subscriber connections are opened as topics are subscribed. Logs the shards
     * found at INFO.
     *
     * @param listener receives every message and state change, on the source's subscriber I/O thread
     * @throws IllegalStateException when the source was already started or is closed
     * @throws SourceException when no seed node answers; the source may be started again, or closed
     */
    @Override
    public synchronized void start(MessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("source is closed: " + this);
        }
        if (subscriber != null) {
            throw new IllegalStateException("source already started: " + this);
        }
        try {
            publisher.open().get(seed.getTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = Lettuce.unwrap(e);
            throw new SourceException("cannot connect to Redis Cluster " + description + ": " + cause, cause);
        } catch (TimeoutException e) {
            throw new SourceException("cannot connect to Redis Cluster " + description + ": no answer within "
                    + seed.getTimeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while connecting to " + description, e);
        }
        ClusterTopology topology = ClusterTopology.of(client.getPartitions());
        PubSubSetup.Settings settings = PubSubSetup.settings(client.getOptions(), seed, description);
        String scheme = seed.isSsl() ? "rediss://" : "redis://";
        EventLoopGroup loops = PubSubSetup.newGroup("pushline-redis-cluster-sub");
        EventLoop loop = loops.next();
        ClusterSubscriber s = new ClusterSubscriber(loop, () -> ClusterTopology.refresh(client),
                () -> ClusterTopology.of(client.getPartitions()),
                (host, port, ev, subs) -> new PubSubConnection(host, port, settings, scheme + host + ":" + port, ev,
                        subs, this::hasHistory, loop, false),
                events, LOG, DEFAULT_TOPOLOGY_REFRESH);
        events.listener(listener);
        events.initial(SourceState.UP);
        s.start(topology);
        this.group = loops;
        this.subscriber = s;
        LOG.info("Redis Cluster source connected to {}: {}", description, topology);
    }

    /**
     * Subscribes the topic's shard channel on the master of its slot ({@code SSUBSCRIBE}).
     *
     * @return a future completed, on the source's subscriber I/O thread, when that master confirmed; failed with a
     *     {@link SourceException} when Redis refused (other than with a redirection, which is followed) or the
     *     source closed, with {@link IllegalStateException} before {@code start}
     */
    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        Topics.validate(topic);
        ClusterSubscriber s = subscriber;
        CompletableFuture<Void> refused = refused("SSUBSCRIBE " + topic, s);
        return refused != null ? refused : s.subscribe(topic);
    }

    /**
     * Ends the subscription of the topic's shard channel ({@code SUNSUBSCRIBE} on the master that holds it).
     *
     * @return a future completed, on the source's subscriber I/O thread, when that master confirmed, or at once when
     *     nothing was subscribed and every master answers; failed with a {@link SourceException} after
     *     {@code close}, with {@link IllegalStateException} before {@code start}
     */
    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        Objects.requireNonNull(topic, "topic");
        ClusterSubscriber s = subscriber;
        CompletableFuture<Void> refused = refused("SUNSUBSCRIBE " + topic, s);
        return refused != null ? refused : s.unsubscribe(topic);
    }

    /**
     * Publishes a message with {@code SPUBLISH} to the master of the topic's slot, or, on a topic with history, with
     * the history script there (the message gets the topic's next position).
     *
     * @param message the message; its id and position, if any, are not sent
     * @return a future completed, on a Lettuce I/O thread, when Redis accepted the message, or failed with a
     *     {@link SourceException}
     */
    @Override
    public CompletableFuture<Void> publish(Message message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> refused = refused("SPUBLISH " + message.topic(), subscriber);
        if (refused != null) {
            return refused;
        }
        String topic = message.topic();
        byte[] payload = MessageAccess.payloadArray(message); // read by Lettuce only, never changed
        return ClusterRetry.ifNotRun(() -> hasHistory(topic) ? history.publish(topic, payload).thenApply(p -> null)
                : publisher.publish(topic, payload).thenApply(receivers -> null), publisher, () -> closed);
    }

    /**
     * Reads a topic's history on the master of its slot, as {@link RedisMessageSource#readHistory} does; retried for
     * up to about 1.5 s while that master fails over or the slot migrates.
     *
     * @return a future completed on a Lettuce I/O thread, failed with a {@link SourceException} naming the topic
     *     when Redis could not answer (also after {@code close}), with {@link IllegalStateException} before
     *     {@code start} and with {@link UnsupportedOperationException} for a topic without history
     */
    @Override
    public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        Topics.validate(topic);
        Objects.requireNonNull(query, "query");
        CompletableFuture<HistoryRead> refused = refused("history read of " + topic, subscriber);
        if (refused != null) {
            return refused;
        }
        if (!hasHistory(topic)) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no history for " + topic));
        }
        return ClusterRetry.always(() -> history.read(topic, query), publisher, () -> closed);
    }

    private <T> CompletableFuture<T> refused(String what, ClusterSubscriber s) {
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException(what + ": source is closed"));
        }
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(what + ": source not started"));
        }
        return null;
    }

    /**
     * Returns the state: {@link SourceState#UP} while every master that holds subscribed topics answers,
     * {@link SourceState#DEGRADED} while some do not, {@link SourceState#DOWN} while none does, before
     * {@code start} and after {@code close}.
     *
     * @return the state
     */
    @Override
    public SourceState state() {
        return events.state();
    }

    /**
     * Closes the subscriber connections, the publishing connection and, when the source owns its client, the
     * client. Bounded (a few seconds at most, also while Redis is down) and idempotent. Calls still pending fail
     * with a {@link SourceException}. The listener is not called after this returns.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        events.close();
        ClusterSubscriber s = subscriber;
        if (s != null) {
            s.close();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        }
        publisher.close();
        if (owned != null) {
            owned.shutdown();
        }
        LOG.info("Redis Cluster source for {} closed", description);
    }

    /**
     * Describes the source by its seed URIs (without credentials), the shards it knows, the connections it holds and
     * its state.
     *
     * @return for example {@code RedisClusterMessageSource[redis://127.0.0.1:30001, 3 shards: 127.0.0.1:30001 (slots
     *     0-5460, replicas 127.0.0.1:30004); ..., subscribed on [127.0.0.1:30001 (3 channels, 3 held)], UP]}
     */
    @Override
    public String toString() {
        ClusterSubscriber s = subscriber;
        return "RedisClusterMessageSource[" + description + (s == null || closed ? "" : ", " + s.describe())
                + ", " + state() + "]";
    }
}
