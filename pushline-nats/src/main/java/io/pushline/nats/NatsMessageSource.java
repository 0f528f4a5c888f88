package io.pushline.nats;

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
import io.pushline.internal.LogText;
import io.pushline.internal.MessageAccess;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageSource} on NATS: topics are subjects, patterns are NATS wildcards
 * ({@link PatternDialect#natsSubjects()}), on one connection of the official Java client (jnats), with history in
 * JetStream when asked for.
 *
 * <pre>{@code
 * MessageSource nats = NatsMessageSource.create("nats://localhost:4222");
 * }</pre>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li><b>Subjects.</b> A topic is a subject ({@code news.eu}); a pattern's {@code *} stands for exactly one token
 *       and a last {@code >} for one or more: {@code news.*} matches {@code news.eu} but neither {@code news} nor
 *       {@code news.eu.fr}, {@code news.>} matches both of those but not {@code news}. (On Redis, {@code news.*}
 *       is a glob that also matches {@code news.eu.fr}.) Payloads pass through as bytes.</li>
 *   <li><b>Confirmation.</b> {@code subscribe}, {@code unsubscribe}, {@code psubscribe}, {@code punsubscribe} and
 *       {@code publish} never block: each sends its protocol line and returns a future completed after a server
 *       round trip ({@code PING}/{@code PONG}, shared by the changes made meanwhile), so a message published after
 *       a {@code subscribe} future completed is delivered. Subscriptions are sets: subscribing twice is once.</li>
 *   <li><b>Reconnection.</b> jnats reconnects forever (the source sets {@code maxReconnects(-1)}; jnats's default
 *       gives up after 60 attempts), waiting from {@link #DEFAULT_RECONNECT_DELAY_MIN} to
 *       {@link #DEFAULT_RECONNECT_DELAY_MAX} with equal jitter, and sends every subscription again. The listener
 *       gets {@link SourceState#DOWN} when the connection drops (or the server stops answering its pings, sent
 *       every 2 s), then {@link SourceState#UP} and {@link MessageListener#onResubscribed()} once the server
 *       confirmed the re-subscriptions. Changes made meanwhile wait, and their futures complete then. NATS has no
 *       partial connection, so the source never reports {@link SourceState#DEGRADED}.</li>
 *   <li><b>Slow consumer.</b> Messages wait for the listener in the dispatcher's queue, bounded by
 *       {@link #DEFAULT_PENDING_MESSAGES} messages and {@link #DEFAULT_PENDING_BYTES} bytes. Past them jnats drops
 *       messages rather than let the server cut the connection off; the source counts them and reports them to
 *       the listener as {@link io.pushline.DropReason#SERVER_OVERLOADED} within 100 ms, never in silence.</li>
 *   <li><b>Connection options.</b> Credentials and TLS come in the URL ({@code nats://user:password@host:4222},
 *       {@code nats://token@host:4222}, {@code tls://host:4222} with the JVM's default trust) or through
 *       {@link Builder#options} on jnats's {@code Options.Builder} (an {@code SSLContext}, NKeys, a credentials
 *       file, other servers). {@link #start} connects synchronously and throws a {@link SourceException} when no
 *       server can be reached or the credentials are refused.</li>
 * </ul>
 *
 * <h2>History in JetStream</h2>
 * Built with {@link HistoryOptions} ({@link #create(String, HistoryOptions)}), the source keeps the last messages of
 * the topics the options name in JetStream, one stream per topic:
 * <ul>
 *   <li>the stream {@code PUSHLINE_<epoch>} captures the subject {@code $PUSHLINE.H.<topic>} only, keeps
 *       {@link HistoryOptions#size()} messages for {@link HistoryOptions#ttl()} each, and republishes each stored
 *       message to {@code <topic>} with its sequence: the topic's offsets are the stream's sequence numbers, given
 *       atomically by JetStream, and the epoch is in the stream's name, drawn at random when the stream is
 *       created, so a stream deleted and created again (or lost with the server's storage) starts a new epoch;</li>
 *   <li>{@link #publish} on such a topic publishes to {@code $PUSHLINE.H.<topic>} (a JetStream publish: its
 *       future completes once stored); the first publish or read of a topic creates its stream (file storage,
 *       one replica unless {@link Builder#historyStorage}/{@link Builder#historyReplicas} say otherwise);</li>
 *   <li>a plain publish to {@code <topic>} is delivered as usual, without a position;</li>
 *   <li>a stream nothing was published to for {@link HistoryOptions#metaTtl()} (a day by default) is deleted by
 *       the source, which looks every quarter of that time: its topic starts a new epoch, as on Redis when the
 *       topic's meta expires. The number of streams is so bounded in time; bound it in number with JetStream's
 *       account limits ({@code max_streams});</li>
 *   <li>{@link #readHistory} asks {@code STREAM.INFO} for the top and reads the messages with {@code DIRECT.GET}:
 *       no consumer is created, neither per read nor per client.</li>
 * </ul>
 * Host applications publish with positions through a {@link NatsPublisher} (or any JetStream publish to
 * {@code $PUSHLINE.H.<topic>}).
 *
 * <h2>Threading</h2>
 * Thread-safe. The listener is called on the dispatcher's one thread (jnats's executor), never concurrently with
 * itself, so per topic in delivery order; state changes, re-subscriptions and drop reports come from jnats's
 * callback thread or the source's own, under the same lock. The listener must be fast and must not block.
 * Exceptions it throws are caught and logged, and delivery carries on. It is not called after {@link #close()}
 * returns. Futures complete on jnats's threads or the source's confirmation thread: code chained to them must not
 * block.
 */
public final class NatsMessageSource implements MessageSource {
    /** The shortest reconnect delay: 100 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MIN = Duration.ofMillis(100);
    /** The longest reconnect delay: 2 s, reached by doubling from the shortest, with equal jitter. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(2);
    /** How long a JetStream request, a confirmation round trip and the connect may take: 5 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** The most messages waiting for the listener before jnats drops (and the source reports) them: 65,536. */
    public static final long DEFAULT_PENDING_MESSAGES = 65_536;
    /** The most bytes waiting for the listener before jnats drops (and the source reports) them: 64 MiB. */
    public static final long DEFAULT_PENDING_BYTES = 64L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);
    private static final PatternDialect DIALECT = PatternDialect.natsSubjects();

    private final NatsSettings settings;
    private final String description;
    private final SourceCapabilities capabilities;
    private final SourceEvents events;
    private volatile NatsClient client;
    private volatile boolean closed;

    private NatsMessageSource(NatsSettings settings) {
        this.settings = settings;
        this.description = settings.description();
        this.capabilities = SourceCapabilities.builder(DIALECT).patterns(true).publish(true)
                .history(settings.history != null).build();
        this.events = new SourceEvents(description);
    }

    /**
     * Creates a source for one NATS server (or several, comma-separated), with the defaults.
     *
     * @param url for example {@code nats://localhost:4222}, {@code nats://user:password@host:4222}
     * @return a new, unstarted source
     */
    public static NatsMessageSource create(String url) {
        return builder().url(url).build();
    }

    /**
     * Creates a source that keeps history in JetStream for the topics {@code history} names (see the class
     * comment).
     *
     * @param url the server(s)
     * @param history how much history to keep, and for which topics
     * @return a new, unstarted source
     */
    public static NatsMessageSource create(String url, HistoryOptions history) {
        return builder().url(url).history(history).build();
    }

    /**
     * Starts a builder for the settings {@link #create(String)} does not offer.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * NATS subjects and wildcards ({@link PatternDialect#natsSubjects()}), patterns, publishing; history when built
     * with {@link HistoryOptions}.
     *
     * @return the capabilities
     */
    @Override
    public SourceCapabilities capabilities() {
        return capabilities;
    }

    /** True for the topics the {@link HistoryOptions} the source was built with name; false without them. */
    @Override
    public boolean hasHistory(String topic) {
        return settings.history != null && settings.history.appliesTo(topic);
    }

    /**
     * Connects (bounded by the request timeout) and starts delivering to {@code listener}. Call it off any event
     * loop. With history, also checks that the server has JetStream.
     *
     * @param listener receives every message and state change; see the class comment for threads
     * @throws IllegalStateException when the source was already started or is closed
     * @throws SourceException when no server can be reached, refuses the credentials, or (with history) has no
     *     JetStream; the source may be started again, or closed
     */
    @Override
    public synchronized void start(MessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("source is closed: " + this);
        }
        if (client != null) {
            throw new IllegalStateException("source already started: " + this);
        }
        events.listener(listener);
        NatsClient c = NatsClient.connect(settings, events, "source");
        events.started();
        client = c;
        LOG.info("NATS source connected to {}{}", description, settings.history == null ? ""
                : " with JetStream history");
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        checkTopic(topic);
        return change("SUB", topic, false, true);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        Objects.requireNonNull(topic, "topic");
        return change("UNSUB", topic, false, false);
    }

    @Override
    public CompletableFuture<Void> psubscribe(String pattern) {
        String problem = DIALECT.patternProblem(Objects.requireNonNull(pattern, "pattern"));
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": '" + LogText.escape(pattern) + "'");
        }
        return change("PSUB", pattern, true, true);
    }

    @Override
    public CompletableFuture<Void> punsubscribe(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return change("PUNSUB", pattern, true, false);
    }

    private CompletableFuture<Void> change(String verb, String name, boolean pattern, boolean add) {
        CompletableFuture<Void> refused = refused(verb + " " + name);
        return refused != null ? refused : client.change(verb, name, pattern, add);
    }

    /**
     * Publishes a message: on a topic with history to its JetStream stream (completed once stored; the message
     * gets the topic's next position), otherwise with a core NATS publish (completed after a server round trip).
     *
     * @param message the message; its id and position, if any, are not sent
     * @return a future completed when the server accepted the message, or failed with a {@link SourceException}
     */
    @Override
    public CompletableFuture<Void> publish(Message message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> refused = refused("PUB " + message.topic());
        if (refused != null) {
            return refused;
        }
        String problem = DIALECT.topicProblem(message.topic());
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(problem));
        }
        byte[] payload = MessageAccess.payloadArray(message); // read by jnats only, never changed
        return hasHistory(message.topic()) ? client.history().publish(message.topic(), payload).thenApply(p -> null)
                : client.publish(message.topic(), payload);
    }

    /**
     * Reads a topic's history from its JetStream stream, creating the stream when the topic has none yet (so that
     * the top handed out can be resumed from). Never blocks.
     *
     * @return a future completed on a jnats thread; failed with a {@link SourceException} naming the topic when
     *     JetStream could not answer (also after {@code close}), with {@link IllegalStateException} before
     *     {@code start} and with {@link UnsupportedOperationException} for a topic without history
     */
    @Override
    public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        checkTopic(topic);
        Objects.requireNonNull(query, "query");
        CompletableFuture<HistoryRead> refused = refused("history read of " + topic);
        if (refused != null) {
            return refused;
        }
        if (!hasHistory(topic)) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no history for " + topic));
        }
        return client.history().read(topic, query);
    }

    private static void checkTopic(String topic) {
        String problem = DIALECT.topicProblem(Objects.requireNonNull(topic, "topic"));
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": '" + LogText.escape(topic) + "'");
        }
    }

    private <T> CompletableFuture<T> refused(String what) {
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException(what + ": source is closed"));
        }
        if (client == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(what + ": source not started"));
        }
        return null;
    }

    /**
     * Returns {@link SourceState#UP} while connected with every subscription confirmed, {@link SourceState#DOWN}
     * before {@code start}, while reconnecting, and after {@code close}.
     *
     * @return the state
     */
    @Override
    public SourceState state() {
        return events.state();
    }

    /**
     * Closes the connection (its subscriptions end with it). Bounded and idempotent; calls still pending fail with
     * a {@link SourceException}. The listener is not called after this returns.
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
        NatsClient c = client;
        if (c != null) {
            c.close();
            LOG.info("NATS source for {} closed", description);
        }
    }

    /**
     * Describes the source by its servers, without credentials.
     *
     * @return for example {@code NatsMessageSource[nats://127.0.0.1:4222, UP]}
     */
    @Override
    public String toString() {
        return "NatsMessageSource[" + description + ", " + state() + "]";
    }

    /** Builds a {@link NatsMessageSource}. Not thread-safe. */
    public static final class Builder {
        private final NatsSettings settings = new NatsSettings();

        private Builder() {
        }

        /**
         * Sets the server, or several separated by commas. Default {@code nats://127.0.0.1:4222}.
         *
         * @param url for example {@code nats://host:4222}, {@code tls://user:password@host:4222}
         * @return this builder
         */
        public Builder url(String url) {
            settings.url(url);
            return this;
        }

        /**
         * Changes jnats's options after the source's defaults (reconnect forever with jittered backoff, 2 s pings):
         * an {@code SSLContext}, an authentication handler, a connection name. The source installs its own error
         * listener in front of the one set here, and its own connection listener.
         *
         * @param customizer changes the options builder
         * @return this builder
         */
        public Builder options(java.util.function.Consumer<io.nats.client.Options.Builder> customizer) {
            settings.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Keeps history in JetStream for the topics the options name. Default: none.
         *
         * @param history how much history to keep, and for which topics
         * @return this builder
         */
        public Builder history(HistoryOptions history) {
            settings.history = Objects.requireNonNull(history, "history");
            return this;
        }

        /**
         * Sets where new history streams keep their messages: {@code File} (default; they survive a restart of the
         * server) or {@code Memory} (lost with it, which clients see as a new epoch).
         *
         * @param storage the storage type
         * @return this builder
         */
        public Builder historyStorage(io.nats.client.api.StorageType storage) {
            settings.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * Sets how many replicas new history streams have in a JetStream cluster. Default 1.
         *
         * @param replicas 1 to 5
         * @return this builder
         */
        public Builder historyReplicas(int replicas) {
            settings.replicas(replicas);
            return this;
        }

        /**
         * Sets the bound of the queue between the connection and the listener. Default
         * {@link #DEFAULT_PENDING_MESSAGES} messages and {@link #DEFAULT_PENDING_BYTES} bytes.
         *
         * @param messages the most messages waiting
         * @param bytes the most payload bytes waiting
         * @return this builder
         */
        public Builder pendingLimits(long messages, long bytes) {
            settings.pendingLimits(messages, bytes);
            return this;
        }

        /**
         * Sets the reconnect delays: from {@code min}, doubling to {@code max}, with equal jitter.
         *
         * @param min the first delay
         * @param max the longest delay
         * @return this builder
         */
        public Builder reconnectDelay(Duration min, Duration max) {
            settings.reconnectDelay(min, max);
            return this;
        }

        /**
         * Sets how long the connect, a JetStream request and a confirmation may take. Default
         * {@link #DEFAULT_REQUEST_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            settings.requestTimeout = io.pushline.internal.Checks.positive(timeout, "timeout");
            return this;
        }

        /**
         * Builds the source (nothing is connected until {@link NatsMessageSource#start}).
         *
         * @return the source
         */
        public NatsMessageSource build() {
            return new NatsMessageSource(settings.copy());
        }
    }
}
