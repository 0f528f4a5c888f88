package io.pushline.nats;

import io.pushline.HistoryOptions;
import io.pushline.PatternDialect;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.internal.Checks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to NATS subjects, for host applications that feed Pushline servers subscribed through a
 * {@link NatsMessageSource}:
 *
 * <pre>{@code
 * try (NatsPublisher publisher = NatsPublisher.create("nats://localhost:4222")) {
 *     publisher.publish("updates", "hello").join();
 * }
 * }</pre>
 *
 * <p><b>History.</b> Created with {@link HistoryOptions}, the same as the servers' sources, the publisher publishes
 * to the topics the options name through JetStream: the message is stored in the topic's stream (created on first
 * use, see {@link NatsMessageSource}), gets the topic's next {@link Position}, and reaches subscribers of the topic
 * with it. Other topics get a core NATS publish.
 *
 * <pre>{@code
 * HistoryOptions history = HistoryOptions.builder().size(1000).topics(t -> t.startsWith("news.")).build();
 * try (NatsPublisher publisher = NatsPublisher.create("nats://localhost:4222", history)) {
 *     Position p = publisher.publishWithPosition("news.eu", "hello".getBytes(UTF_8)).join(); // e.g. 42.Xk3v9QaZp0Lm
 *     publisher.publish("weather", "sunny").join(); // no history: core publish
 * }
 * }</pre>
 *
 * <p>Publishes are sent in call order; JetStream gives each stored message the next offset atomically, whichever
 * publishers they came from. The connection reconnects by itself, as the source's does; publishes made while it
 * is down wait in jnats's reconnect buffer (8 MiB by default; past it they fail at once), and a history publish
 * fails when it is not stored within the request timeout.
 *
 * <p><b>Threading.</b> Thread-safe; {@code publish} never blocks. The returned futures complete on jnats's threads
 * or the publisher's confirmation thread: code chained to them must not block.
 */
public final class NatsPublisher implements AutoCloseable {
    private static final PatternDialect DIALECT = PatternDialect.natsSubjects();

    private final NatsSettings settings;
    private final NatsClient client;
    private final String description;
    private volatile boolean closed;

    private NatsPublisher(NatsSettings settings) {
        this.settings = settings;
        this.description = settings.description();
        this.client = NatsClient.connect(settings, null, "publisher");
    }

    /**
     * Connects a publisher to a NATS server (or several, comma-separated).
     *
     * @param url for example {@code nats://localhost:4222}
     * @return the connected publisher; close it to release its connection
     * @throws SourceException when no server can be reached or the credentials are refused
     */
    public static NatsPublisher create(String url) {
        return builder().url(url).build();
    }

    /**
     * Connects a publisher that publishes with positions to the topics {@code history} names (see the class
     * comment). Give it the options the sources have.
     *
     * @param url the server(s)
     * @param history for which topics, and the limits of the streams it creates
     * @return the connected publisher
     * @throws SourceException when no server can be reached, the credentials are refused, or JetStream is missing
     */
    public static NatsPublisher create(String url, HistoryOptions history) {
        return builder().url(url).history(history).build();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Tells whether a publish to the topic keeps history and gives a position.
     *
     * @param topic a topic
     * @return whether the publisher was created with history options that name it
     */
    public boolean hasHistory(String topic) {
        return settings.history != null && settings.history.appliesTo(topic);
    }

    /**
     * Publishes a payload: through JetStream on a topic with history (completed once stored), otherwise with a core
     * publish (completed after a server round trip).
     *
     * @param topic the subject; must be a valid topic in {@link PatternDialect#natsSubjects()}
     * @param payload the payload bytes, sent as they are; must not be modified until the future completes
     * @return a future completed when the server accepted the message, or failed with a {@link SourceException}
     *     naming the topic, also after {@link #close()}
     * @throws IllegalArgumentException when the topic is not a valid subject
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) {
        check(topic);
        Objects.requireNonNull(payload, "payload");
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("PUB " + topic + ": publisher is closed"));
        }
        return hasHistory(topic) ? client.history().publish(topic, payload).thenApply(p -> null)
                : client.publish(topic, payload);
    }

    /**
     * Publishes text, encoded as UTF-8, as {@link #publish(String, byte[])} does.
     *
     * @param topic the subject
     * @param utf8 the payload text
     * @return a future completed when the server accepted the message
     */
    public CompletableFuture<Void> publish(String topic, String utf8) {
        return publish(topic, Objects.requireNonNull(utf8, "utf8").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Publishes a payload to a topic with history and returns the position JetStream gave it.
     *
     * @param topic a valid topic for which {@link #hasHistory(String)} is true
     * @param payload the payload bytes, sent as they are; must not be modified until the future completes
     * @return a future completed with the message's position, or failed with a {@link SourceException} naming the
     *     topic, also after {@link #close()}
     * @throws IllegalArgumentException when the topic is not a valid subject, or has no history
     */
    public CompletableFuture<Position> publishWithPosition(String topic, byte[] payload) {
        check(topic);
        Objects.requireNonNull(payload, "payload");
        if (!hasHistory(topic)) {
            throw new IllegalArgumentException("no history for " + topic + " (" + (settings.history == null
                    ? "the publisher was created without HistoryOptions" : "the HistoryOptions exclude it") + ")");
        }
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("PUB " + topic + ": publisher is closed"));
        }
        return client.history().publish(topic, payload);
    }

    private static void check(String topic) {
        Checks.noProblem(Objects.requireNonNull(topic, "topic"), "topic", DIALECT.topicProblem(topic));
    }

    /** Closes the connection. Bounded and idempotent; publishes still pending fail with a {@link SourceException}. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        client.close();
    }

    /**
     * Describes the publisher by its servers, without credentials.
     *
     * @return for example {@code NatsPublisher[nats://127.0.0.1:4222]}
     */
    @Override
    public String toString() {
        return "NatsPublisher[" + description + "]";
    }

    /** Builds and connects a {@link NatsPublisher}. Not thread-safe. */
    public static final class Builder {
        private final NatsSettings settings = new NatsSettings();

        private Builder() {
        }

        /**
         * Sets the server, or several separated by commas. Default {@code nats://127.0.0.1:4222}.
         *
         * @param url for example {@code nats://user:password@host:4222}
         * @return this builder
         */
        public Builder url(String url) {
            settings.url(url);
            return this;
        }

        /**
         * Changes jnats's options after the publisher's defaults, as {@link NatsMessageSource.Builder#options}.
         *
         * @param customizer changes the options builder
         * @return this builder
         */
        public Builder options(java.util.function.Consumer<io.nats.client.Options.Builder> customizer) {
            settings.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Publishes with positions to the topics the options name. Default: none.
         *
         * @param history for which topics, and the limits of the streams the publisher creates
         * @return this builder
         */
        public Builder history(HistoryOptions history) {
            settings.history = Objects.requireNonNull(history, "history");
            return this;
        }

        /**
         * Sets the storage of the streams the publisher creates, as {@link NatsMessageSource.Builder#historyStorage}.
         *
         * @param storage {@code File} (default) or {@code Memory}
         * @return this builder
         */
        public Builder historyStorage(io.nats.client.api.StorageType storage) {
            settings.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * Sets the replicas of the streams the publisher creates. Default 1.
         *
         * @param replicas 1 to 5
         * @return this builder
         */
        public Builder historyReplicas(int replicas) {
            settings.replicas(replicas);
            return this;
        }

        /**
         * Sets how long the connect, a JetStream publish and a confirmation may take. Default
         * {@link NatsMessageSource#DEFAULT_REQUEST_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            settings.requestTimeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /**
         * Connects the publisher, synchronously (bounded by the request timeout).
         *
         * @return the connected publisher
         * @throws SourceException when no server can be reached, the credentials are refused, or (with history)
         *     JetStream is missing
         */
        public NatsPublisher build() {
            return new NatsPublisher(settings.copy());
        }
    }
}
