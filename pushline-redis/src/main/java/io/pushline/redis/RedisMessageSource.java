package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
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
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageSource} on Redis Pub/Sub: {@code SUBSCRIBE}/{@code PSUBSCRIBE} on one subscriber connection of
 * its own (RESP on Netty, one I/O thread), and {@code PUBLISH} on a Lettuce connection opened on first use.
 *
 * <pre>{@code
 * MessageSource redis = RedisMessageSource.create("redis://localhost:6379");
 * }</pre>
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@link #create(String)} and {@link #create(RedisURI)}: the source creates its own {@link RedisClient} (and
 *       its Lettuce {@code ClientResources}) for publishing, owns them and shuts them down in {@link #close()}.</li>
 *   <li>{@link #create(RedisClient, RedisURI)}: the caller owns the client, with its options and resources;
 *       {@link #close()} closes only the connections the source opened and never shuts the client down. The
 *       client's SSL options (trust and key material) also apply to the subscriber connection.</li>
 * </ul>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>Payloads pass through as bytes; channel names are UTF-8. The URI's host, port, credentials
 *       ({@code redis://user:password@host}), TLS ({@code rediss://}, with its verify mode) and timeout apply to
 *       both connections.</li>
 *   <li>{@link #start(MessageListener)} connects and authenticates synchronously, bounded by the URI's timeout, and
 *       throws a {@link SourceException} when Redis cannot be reached or refuses the credentials. Call it off any
 *       event loop.</li>
 *   <li>{@code subscribe}, {@code unsubscribe}, {@code psubscribe}, {@code punsubscribe} and {@code publish} never
 *       block: each returns a future that completes when Redis confirmed, or fails with a {@link SourceException}
 *       naming the topic. Before {@code start} they fail with {@link IllegalStateException}, after {@code close}
 *       with {@link SourceException}; they do not throw, except for invalid arguments.</li>
 *   <li>When the connection drops, the listener gets {@link SourceState#DOWN} and the source reconnects by itself,
 *       with a delay growing from {@link #DEFAULT_RECONNECT_DELAY_MIN} to {@link #DEFAULT_RECONNECT_DELAY_MAX} with
 *       equal jitter; the listener gets {@link SourceState#UP} when the connection is back and
 *       {@link MessageListener#onResubscribed()} once Redis has answered after every channel and pattern was
 *       subscribed again. A Redis that sends nothing for 2 s while a PING is outstanding (stopped, or cut off) is
 *       reported {@link SourceState#DOWN} too, and {@link SourceState#UP} when it answers again; after 15 s of
 *       silence the connection is replaced. Changes made while Redis is down are not queued as commands: the
 *       source keeps the set of channels and patterns it should hold, and their futures complete when the
 *       re-subscription after the reconnect confirms them.</li>
 *   <li>The source never lets Redis cut it off for reading too slowly (Redis closes a subscriber whose output
 *       buffer passes {@code client-output-buffer-limit pubsub}, 32 MB by default). Every 100 ms it sends a PING,
 *       which Redis answers after everything it had queued for the source; when more than 2 MiB arrive before the
 *       answer, the source is that far behind and skips messages, undecoded, until the answer arrives, then
 *       reports how many through {@link MessageListener#onMessagesDropped}.</li>
 * </ul>
 *
 * <h2>History</h2>
 * Created with {@link HistoryOptions} ({@link #create(RedisURI, HistoryOptions)}), the source keeps the last
 * messages of the topics the options name in Redis, gives each a {@link io.pushline.Position} and reads them back
 * with {@link #readHistory(String, HistoryQuery)}:
 *
 * <pre>{@code
 * RedisMessageSource source = RedisMessageSource.create(RedisURI.create("redis://localhost:6379"),
 *         HistoryOptions.builder().size(1000).topics(t -> t.startsWith("news.")).build());
 * }</pre>
 *
 * <ul>
 *   <li>Keys, both in the cluster slot of topic {@code T}: the hash {@code pushline:{TAG}:T:m} (field {@code e}
 *       the epoch, {@code t} the top offset; it expires the meta TTL after the last publish) and the stream
 *       {@code pushline:{TAG}:T:s} (entry id {@code <offset>-0}, field {@code p} the payload; trimmed to exactly
 *       the size, it expires the TTL after the last publish). {@code TAG} is the content of {@code T}'s hash tag,
 *       or {@code T} itself, or (for a {@code T} with a closing brace but no hash tag) a short string of the same
 *       slot.</li>
 *   <li>{@code publish} on such a topic runs a Lua script that gives the message the topic's next offset, appends
 *       it, and publishes an envelope: the 5 bytes {@code \0PL1 } (NUL, {@code PL1}, space), the position token
 *       {@code <offset>.<epoch>}, a space, the payload. A topic whose meta is gone (never published, expired, or
 *       Redis restarted empty) starts a new epoch. Host applications publish with a {@link RedisPublisher} created
 *       with the same options.</li>
 *   <li>The subscriber strips the envelope on every topic and keeps the position on topics with history. A plain
 *       {@code PUBLISH} (no envelope) is delivered without a position, as before; so is a malformed envelope,
 *       bytes unchanged.</li>
 *   <li>A history read writes too: a topic without meta gets it (a new epoch, top 0, the meta TTL), so that the
 *       position the read hands out can be resumed from later.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe. The listener is called on the subscriber connection's I/O thread, never concurrently; it must be
 * fast and must not block or make synchronous Redis calls. Exceptions it throws are caught and logged with the
 * topic, and delivery carries on. The listener is not called after {@link #close()} returns.
 */
public final class RedisMessageSource implements MessageSource {
    /** The shortest reconnect delay: 100 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MIN = Duration.ofMillis(100);

    /**
     * The longest reconnect delay: 2 s. Delays grow exponentially from {@link #DEFAULT_RECONNECT_DELAY_MIN} with
     * equal jitter (half fixed, half random), so that many nodes do not reconnect in step.
     */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(2);

    /**
     * The most commands the publishing connection of a client the source owns holds (queued while disconnected,
     * or awaiting their reply): 16384. Beyond it a {@code publish} fails at once with a {@link SourceException}
     * instead of buffering without limit during an outage.
     */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(RedisMessageSource.class);
    private static final SourceCapabilities CAPABILITIES = SourceCapabilities.builder(PatternDialect.redisGlob())
            .patterns(true).publish(true).build();
    private static final SourceCapabilities WITH_HISTORY = SourceCapabilities.builder(PatternDialect.redisGlob())
            .patterns(true).publish(true).history(true).build();

    private final RedisClient client;
    private final RedisURI uri;
    private final Lettuce.OwnedClient<?> owned;
    private final String description;
    private final PublishConnection<?> publisher;
    private final RedisHistory history;
    private final SourceEvents events;
    private final WantedSubscriptions wanted;

    private volatile MessageListener listener;
    private volatile PubSubConnection connection;
    private volatile boolean closed;

    private RedisMessageSource(RedisClient client, RedisURI uri, Lettuce.OwnedClient<?> owned,
            HistoryOptions history) {
        this.client = client;
        this.uri = uri;
        this.owned = owned;
        this.description = Lettuce.describe(uri);
        this.publisher = PublishConnection.standalone(client, uri, description);
        this.events = new SourceEvents(description, LOG);
        this.wanted = new WantedSubscriptions(description);
        this.history = history == null ? null : new RedisHistory(history, publisher);
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
        Lettuce.OwnedClient<RedisClient> owned = Lettuce.newClient(uri, DEFAULT_REQUEST_QUEUE_SIZE);
        return new RedisMessageSource(owned.client, uri, owned, null);
    }

    /**
     * Creates a source that owns its Redis client, as {@link #create(RedisURI)}, and keeps history in Redis for
     * the topics {@code history} names (see the class comment).
     *
     * @param uri the Redis server
     * @param history how much history to keep, and for which topics
     * @return a new, unstarted source; close it to release its client
     */
    public static RedisMessageSource create(RedisURI uri, HistoryOptions history) {
        Objects.requireNonNull(history, "history");
        Lettuce.OwnedClient<RedisClient> owned = Lettuce.newClient(uri, DEFAULT_REQUEST_QUEUE_SIZE);
        return new RedisMessageSource(owned.client, uri, owned, history);
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
                null, null);
    }

    /**
     * Creates a source on a client the caller owns, as {@link #create(RedisClient, RedisURI)}, that keeps history
     * in Redis for the topics {@code history} names (see the class comment).
     *
     * @param client the client, owned by the caller
     * @param uri the Redis server to connect to
     * @param history how much history to keep, and for which topics
     * @return a new, unstarted source
     */
    public static RedisMessageSource create(RedisClient client, RedisURI uri, HistoryOptions history) {
        return new RedisMessageSource(Objects.requireNonNull(client, "client"), Objects.requireNonNull(uri, "uri"),
                null, Objects.requireNonNull(history, "history"));
    }

    /**
     * Redis channels and globs ({@link PatternDialect#redisGlob()}), patterns, publishing; history when created
     * with {@link HistoryOptions}.
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
     * Reads a topic's history with a Lua script on the publishing connection; a topic without a position yet
     * gets one (its meta hash is written, top 0). Never blocks.
     *
     * @return a future completed on a Lettuce I/O thread, failed with a {@link SourceException} naming the topic
     *     when Redis could not answer (also after {@code close}), with {@link IllegalStateException} before
     *     {@code start} and with {@link UnsupportedOperationException} for a topic without history
     */
    @Override
    public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        Topics.validate(topic);
        Objects.requireNonNull(query, "query");
        CompletableFuture<HistoryRead> refused = refused("history read of " + topic);
        if (refused != null) {
            return refused;
        }
        if (!hasHistory(topic)) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no history for " + topic));
        }
        return history.read(topic, query);
    }

    /** A failed future when the source is closed or not started yet; null when it may talk to Redis. */
    private <T> CompletableFuture<T> refused(String what) {
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException(what + ": source is closed"));
        }
        if (connection == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(what + ": source not started"));
        }
        return null;
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
        PubSubConnection c;
        try {
            c = PubSubSetup.connection(PubSubSetup.settings(client.getOptions(), uri, description), uri, description,
                    events, wanted, this::hasHistory);
        } catch (RuntimeException e) {
            throw new SourceException("cannot connect to " + description + ": " + e.getMessage(), e);
        }
        this.listener = listener;
        events.listener(listener);
        try {
            c.start(uri.getTimeout());
        } catch (RuntimeException e) {
            this.listener = null;
            events.listener(null);
            throw e;
        }
        this.connection = c;
        LOG.info("Redis source connected to {}", description);
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        Topics.validate(topic);
        return change("SUBSCRIBE", topic);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        Objects.requireNonNull(topic, "topic");
        return change("UNSUBSCRIBE", topic);
    }

    @Override
    public CompletableFuture<Void> psubscribe(String pattern) {
        Topics.validate(pattern);
        return change("PSUBSCRIBE", pattern);
    }

    @Override
    public CompletableFuture<Void> punsubscribe(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return change("PUNSUBSCRIBE", pattern);
    }

    private CompletableFuture<Void> change(String verb, String topic) {
        PubSubConnection c = connection;
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException(verb + " " + topic + ": source is closed"));
        }
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(verb + " " + topic
                    + ": source not started"));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        String lower = verb.toLowerCase(java.util.Locale.ROOT);
        CompletableFuture<Void> done = wanted.change(lower, topic);
        if (!done.isDone()) {
            c.sendWhenReady(lower, topic);
        }
        done.whenComplete((ok, error) -> {
            if (error == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(failure(verb, topic, error));
            }
        });
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
     * Publishes a message, on a second connection opened on first use: with the history script on a topic with
     * history (the message gets the topic's next position), with {@code PUBLISH} otherwise.
     *
     * @param message the message; its id and position, if any, are not sent
     * @return a future completed when Redis accepted the message, or failed with a {@link SourceException}
     */
    @Override
    public CompletableFuture<Void> publish(Message message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> refused = refused("PUBLISH " + message.topic());
        if (refused != null) {
            return refused;
        }
        byte[] payload = MessageAccess.payloadArray(message); // read by Lettuce only, never changed
        return hasHistory(message.topic()) ? history.publish(message.topic(), payload).thenApply(p -> null)
                : publisher.publish(message.topic(), payload).thenApply(receivers -> null);
    }

    /**
     * Returns the state of the pub/sub connection: {@link SourceState#UP} while connected and answering,
     * {@link SourceState#DOWN} before {@code start}, while reconnecting, while Redis does not answer, and after
     * {@code close}.
     *
     * @return the state
     */
    @Override
    public SourceState state() {
        return events.state();
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
        events.close();
        wanted.close(); // pending changes fail
        PubSubConnection c = connection;
        if (c != null) {
            c.close(); // returns once its I/O thread has stopped: the listener is not called after this
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
}
