package io.pushline.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.SourceException;
import io.pushline.SourceState;
import io.pushline.Topics;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageSource} on Redis Pub/Sub, built on Lettuce: {@code SUBSCRIBE}/{@code PSUBSCRIBE} on one shared
 * pub/sub connection, and {@code PUBLISH} on a second, regular connection opened on first use.
 *
 * <pre>{@code
 * MessageSource redis = RedisMessageSource.create("redis://localhost:6379");
 * }</pre>
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@link #create(String)} and {@link #create(RedisURI)}: the source creates its own {@link RedisClient} (and
 *       its Lettuce {@code ClientResources}), owns them and shuts them down in {@link #close()}. That client
 *       reconnects with a jittered delay between {@link #DEFAULT_RECONNECT_DELAY_MIN} and
 *       {@link #DEFAULT_RECONNECT_DELAY_MAX} and holds at most {@link #DEFAULT_REQUEST_QUEUE_SIZE} commands per
 *       connection.</li>
 *   <li>{@link #create(RedisClient, RedisURI)}: the caller owns the client, with its options and resources;
 *       {@link #close()} closes only the connections the source opened and never shuts the client down.
 *       The client should keep Lettuce's default {@code autoReconnect(true)}, or the source stays
 *       {@link SourceState#DOWN} after the first outage.</li>
 * </ul>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>Payloads pass through as bytes ({@code byte[]} codec); channel names are UTF-8.</li>
 *   <li>{@link #start(MessageListener)} connects synchronously, bounded by the URI's timeout, and throws a
 *       {@link SourceException} when Redis cannot be reached. Call it off any event loop.</li>
 *   <li>{@code subscribe}, {@code unsubscribe}, {@code psubscribe}, {@code punsubscribe} and {@code publish} never
 *       block: each returns a future that completes when Redis confirmed, or fails with a {@link SourceException}
 *       naming the topic. Before {@code start} they fail with {@link IllegalStateException}, after {@code close}
 *       with {@link SourceException}; they do not throw, except for invalid arguments.</li>
 *   <li>When the connection drops, the listener gets {@link SourceState#DOWN}; Lettuce reconnects by itself and
 *       re-subscribes every channel and pattern; the listener gets {@link SourceState#UP} when the connection is
 *       back and {@link SourceState#RESUBSCRIBED} once Redis has answered after the re-subscription. Calls made while Redis is down are queued (up to the request queue
 *       size; beyond it they fail at once) and sent after reconnecting; a call still unanswered after the URI's
 *       timeout fails.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe. The listener is called on a Lettuce I/O thread, never concurrently; it must be fast and must not
 * block or make synchronous Redis calls. Exceptions it throws are caught and logged with the topic, and delivery
 * carries on.
 */
public final class RedisMessageSource implements MessageSource {
    /** The shortest reconnect delay of a client the source owns: 100 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MIN = Duration.ofMillis(100);

    /**
     * The longest reconnect delay of a client the source owns: 2 s. Delays grow exponentially from
     * {@link #DEFAULT_RECONNECT_DELAY_MIN} with full random jitter ({@code Delay.equalJitter}), so that many nodes
     * do not reconnect in step.
     */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(2);

    /**
     * The most commands a connection of a client the source owns holds (queued while disconnected, or awaiting
     * their reply): 16384. Beyond it a call fails at once with a {@link SourceException} instead of buffering
     * without limit during an outage. Re-subscribing after a reconnect takes one command per kind (channels,
     * patterns), so it is not blocked by this bound.
     */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(RedisMessageSource.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final Lettuce.OwnedClient owned;
    private final String description;
    private final PublishConnection publisher;
    private final Object deliveryLock = new Object();
    private final Dispatcher dispatcher = new Dispatcher();
    private final StateTracker stateTracker = new StateTracker();

    private volatile MessageListener listener;
    private volatile StatefulRedisPubSubConnection<String, byte[]> connection;
    private volatile boolean closed;
    // guarded by deliveryLock
    private SourceState state = SourceState.DOWN;
    // guarded by deliveryLock; bumped on every connect and disconnect so that a stale PING answer is ignored
    private long generation;
    private boolean invalidTopicLogged;

    private RedisMessageSource(RedisClient client, RedisURI uri, Lettuce.OwnedClient owned) {
        this.client = client;
        this.uri = uri;
        this.owned = owned;
        this.description = Lettuce.describe(uri);
        this.publisher = new PublishConnection(client, uri, description);
    }

    /**
     * Creates a source that owns its Redis client.
     *
     * @param uri a Redis URI such as {@code redis://localhost:6379}
     * @return a new, unstarted source; close it to release its client
     * @throws IllegalArgumentException when the URI cannot be parsed
     */
    public static RedisMessageSource create(String uri) {
        return create(RedisURI.create(Objects.requireNonNull(uri, "uri")));
    }

    /**
     * Creates a source that owns its Redis client: the client is created here and shut down by {@link #close()}.
     *
     * @param uri the Redis server
     * @return a new, unstarted source; close it to release its client
     */
    public static RedisMessageSource create(RedisURI uri) {
        return create(uri, DEFAULT_REQUEST_QUEUE_SIZE);
    }

    /** Creates an owning source with another request queue size (for tests). */
    static RedisMessageSource create(RedisURI uri, int requestQueueSize) {
        Lettuce.OwnedClient owned = Lettuce.newClient(uri, requestQueueSize);
        return new RedisMessageSource(owned.client, uri, owned);
    }

    /**
     * Creates a source on a client the caller owns. The source opens its connections with {@code client} and
     * closes them in {@link #close()}, but never shuts the client down; the client's options (reconnect, queue
     * size, timeouts) apply as they are.
     *
     * @param client the client, owned by the caller
     * @param uri the Redis server to connect to
     * @return a new, unstarted source
     */
    public static RedisMessageSource create(RedisClient client, RedisURI uri) {
        return new RedisMessageSource(Objects.requireNonNull(client, "client"), Objects.requireNonNull(uri, "uri"),
                null);
    }

    /**
     * Connects the pub/sub connection and starts delivering to {@code listener}. Blocks until connected, at most
     * for the URI's timeout.
     *
     * @param listener receives every message and state change, on a Lettuce I/O thread
     * @throws IllegalStateException when the source was already started or is closed
     * @throws SourceException when Redis cannot be reached; the source may be started again, or closed
     */
    @Override
    public synchronized void start(MessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("source is closed: " + this);
        }
        if (this.listener != null) {
            throw new IllegalStateException("source already started: " + this);
        }
        if (!client.getOptions().isAutoReconnect()) {
            LOG.warn("Redis client for {} has autoReconnect off: the source will not recover from an outage",
                    description);
        }
        StatefulRedisPubSubConnection<String, byte[]> c;
        try {
            c = client.connectPubSub(Lettuce.CODEC, uri);
        } catch (RuntimeException e) {
            throw new SourceException("cannot connect to " + description + ": " + e.getMessage(), e);
        }
        this.listener = listener;
        c.addListener(dispatcher);
        c.addListener(stateTracker);
        this.connection = c;
        synchronized (deliveryLock) {
            state = c.isOpen() ? SourceState.UP : SourceState.DOWN;
        }
        LOG.info("Redis source connected to {}", description);
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        Topics.validate(topic);
        return change("SUBSCRIBE", topic, commands -> commands.subscribe(topic));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        Objects.requireNonNull(topic, "topic");
        return change("UNSUBSCRIBE", topic, commands -> commands.unsubscribe(topic));
    }

    @Override
    public CompletableFuture<Void> psubscribe(String pattern) {
        Topics.validate(pattern);
        return change("PSUBSCRIBE", pattern, commands -> commands.psubscribe(pattern));
    }

    @Override
    public CompletableFuture<Void> punsubscribe(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return change("PUNSUBSCRIBE", pattern, commands -> commands.punsubscribe(pattern));
    }

    private CompletableFuture<Void> change(String verb, String topic,
            Function<RedisPubSubAsyncCommands<String, byte[]>, RedisFuture<Void>> command) {
        StatefulRedisPubSubConnection<String, byte[]> c = connection;
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException(verb + " " + topic + ": source is closed"));
        }
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(verb + " " + topic
                    + ": source not started"));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            command.apply(c.async()).whenComplete((ok, error) -> {
                if (error == null) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(failure(verb, topic, error));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(failure(verb, topic, e));
        }
        return result;
    }

    private SourceException failure(String verb, String topic, Throwable error) {
        Throwable cause = Lettuce.unwrap(error);
        if (closed) {
            LOG.debug("{} {} on {} failed after close", verb, topic, description, cause);
            return new SourceException(verb + " " + topic + ": source is closed", cause);
        }
        LOG.warn("{} {} on {} failed: {}", verb, topic, description, cause.toString());
        return new SourceException(verb + " " + topic + " on " + description + " failed: " + cause, cause);
    }

    /**
     * Publishes a message with {@code PUBLISH}, on a second connection opened on first use.
     *
     * @param message the message; its id, if any, is not sent
     * @return a future completed when Redis accepted the message, or failed with a {@link SourceException}
     */
    @Override
    public CompletableFuture<Void> publish(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("PUBLISH " + message.topic()
                    + ": source is closed"));
        }
        if (connection == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("PUBLISH " + message.topic()
                    + ": source not started"));
        }
        return publisher.publish(message.topic(), message.payload()).thenApply(receivers -> null);
    }

    /**
     * Returns the state of the pub/sub connection: {@link SourceState#UP} while connected (and
     * {@link SourceState#RESUBSCRIBED} once the subscriptions were restored after an outage),
     * {@link SourceState#DOWN} before {@code start}, while reconnecting and after {@code close}.
     *
     * @return the state
     */
    @Override
    public SourceState state() {
        synchronized (deliveryLock) {
            return state;
        }
    }

    /**
     * Closes the source's connections and, when the source owns its client, shuts the client down. Bounded (a few
     * seconds at most, also while Redis is down) and idempotent. Calls that are still pending fail with a
     * {@link SourceException}. The listener is not called after this returns.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        synchronized (deliveryLock) {
            state = SourceState.DOWN;
            generation++;
        }
        StatefulRedisPubSubConnection<String, byte[]> c = connection;
        if (c != null) {
            c.removeListener(stateTracker);
            c.removeListener(dispatcher);
            Lettuce.awaitClosed(c.closeAsync(), "pub/sub connection to " + description);
        }
        publisher.close();
        if (owned != null) {
            owned.shutdown();
        }
        LOG.info("Redis source for {} closed", description);
    }

    /**
     * Describes the source by its Redis URI, without credentials.
     *
     * @return for example {@code RedisMessageSource[redis://localhost:6379, UP]}
     */
    @Override
    public String toString() {
        return "RedisMessageSource[" + description + ", " + state() + "]";
    }

    private void deliver(String pattern, String channel, byte[] payload) {
        Message message;
        try {
            message = Message.of(channel, payload == null ? new byte[0] : payload);
        } catch (IllegalArgumentException e) {
            dropInvalid(channel, e);
            return;
        }
        synchronized (deliveryLock) {
            if (closed) {
                return;
            }
            try {
                if (pattern == null) {
                    listener.onMessage(message);
                } else {
                    listener.onPatternMessage(pattern, message);
                }
            } catch (RuntimeException e) {
                LOG.warn("listener failed on a message from topic {}{}", channel,
                        pattern == null ? "" : " (pattern " + pattern + ")", e);
            }
        }
    }

    /** A channel that matched a pattern but is not a valid Pushline topic: dropped, logged once at WARN. */
    private void dropInvalid(String channel, IllegalArgumentException e) {
        boolean first;
        synchronized (deliveryLock) {
            first = !invalidTopicLogged;
            invalidTopicLogged = true;
        }
        if (first) {
            LOG.warn("dropping messages on channels that are not valid topics, first: {} (further drops are "
                    + "logged at DEBUG)", e.getMessage());
        } else {
            LOG.debug("dropping a message: {}", e.getMessage());
        }
    }

    private void connected() {
        StatefulRedisPubSubConnection<String, byte[]> c = connection;
        long expected;
        synchronized (deliveryLock) {
            if (closed || c == null) {
                return;
            }
            expected = ++generation;
        }
        changeState(SourceState.UP, expected);
        // Lettuce re-subscribes when the connection activates; Redis answers in order, so the PING's answer
        // comes after the re-subscriptions were confirmed
        c.async().ping().whenComplete((pong, error) -> {
            if (error != null) {
                LOG.debug("PING after reconnecting to {} failed", description, error);
            }
            changeState(SourceState.RESUBSCRIBED, expected);
        });
    }

    private void disconnected() {
        long expected;
        synchronized (deliveryLock) {
            expected = ++generation;
        }
        changeState(SourceState.DOWN, expected);
    }

    private void changeState(SourceState newState, long expectedGeneration) {
        synchronized (deliveryLock) {
            if (closed || generation != expectedGeneration || state == newState) {
                return;
            }
            state = newState;
            if (newState == SourceState.DOWN) {
                LOG.warn("Redis source lost its connection to {}; reconnecting", description);
            } else if (newState == SourceState.RESUBSCRIBED) {
                LOG.info("Redis source reconnected to {} and re-subscribed", description);
            }
            try {
                listener.onStateChange(newState);
            } catch (RuntimeException e) {
                LOG.warn("listener failed on state change to {}", newState, e);
            }
        }
    }

    /** Turns Lettuce's pub/sub callbacks into listener calls. */
    private final class Dispatcher extends RedisPubSubAdapter<String, byte[]> {
        @Override
        public void message(String channel, byte[] message) {
            deliver(null, channel, message);
        }

        @Override
        public void message(String pattern, String channel, byte[] message) {
            deliver(pattern, channel, message);
        }
    }

    /** Follows the pub/sub connection's channel going inactive and active again. */
    private final class StateTracker implements RedisConnectionStateListener {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
            connected();
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            disconnected();
        }
    }
}
