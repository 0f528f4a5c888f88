package io.pushline;

import io.pushline.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * How much history a source keeps per topic, and for which topics: set on a source's builder. A topic with
 * history gives each message a {@link Position}, and clients can resume from one; a topic without behaves as if
 * history did not exist.
 *
 * <pre>{@code
 * HistoryOptions.builder().size(1000).ttl(Duration.ofMinutes(10)).topics(t -> t.startsWith("news.")).build();
 * }</pre>
 *
 * <p>Defaults: {@value #DEFAULT_SIZE} messages, kept {@link #DEFAULT_TTL 10 minutes} after the topic's last
 * publish, for every topic; the topic's position (epoch and top offset) is kept {@link #DEFAULT_META_TTL a day}
 * after its last publish, so that a client that missed nothing still resumes after the messages expired.
 *
 * <p>Immutable and thread-safe.
 */
public final class HistoryOptions {
    /** The default number of messages kept per topic. */
    public static final int DEFAULT_SIZE = 1_000;
    /** How long messages are kept after the topic's last publish, by default. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    /** How long a topic's position is kept after its last publish, by default. */
    public static final Duration DEFAULT_META_TTL = Duration.ofDays(1);

    private final int size;
    private final Duration ttl;
    private final Duration metaTtl;
    private final Predicate<String> topics;

    private HistoryOptions(Builder b) {
        this.size = b.size;
        this.ttl = b.ttl;
        this.metaTtl = b.metaTtl.compareTo(b.ttl) < 0 ? b.ttl : b.metaTtl;
        this.topics = b.topics;
    }

    /**
     * Starts a builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the defaults: {@value #DEFAULT_SIZE} messages for 10 minutes, on every topic.
     *
     * @return the default options
     */
    public static HistoryOptions defaults() {
        return builder().build();
    }

    /**
     * Returns the most messages kept per topic; older ones are trimmed.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * Returns how long a topic's messages are kept after its last publish.
     *
     * @return the time to live
     */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Returns how long a topic's position (epoch and top offset) is kept after its last publish; never shorter
     * than {@link #ttl()}.
     *
     * @return the time to live of the position
     */
    public Duration metaTtl() {
        return metaTtl;
    }

    /**
     * Tells whether a topic has history.
     *
     * @param topic the topic
     * @return whether its messages get positions and are kept
     */
    public boolean appliesTo(String topic) {
        return topics.test(topic);
    }

    @Override
    public String toString() {
        return "HistoryOptions[size=" + size + ", ttl=" + ttl + ", metaTtl=" + metaTtl + "]";
    }

    /** Builds {@link HistoryOptions}. Not thread-safe. */
    public static final class Builder {
        private int size = DEFAULT_SIZE;
        private Duration ttl = DEFAULT_TTL;
        private Duration metaTtl = DEFAULT_META_TTL;
        private Predicate<String> topics = t -> true;

        private Builder() {
        }

        /**
         * Sets the most messages kept per topic. Default {@value #DEFAULT_SIZE}.
         *
         * @param size the size, at least 1
         * @return this builder
         */
        public Builder size(int size) {
            this.size = Checks.positive(size, "size");
            return this;
        }

        /**
         * Sets how long messages are kept after the topic's last publish. Default 10 minutes.
         *
         * @param ttl a positive duration, whole milliseconds
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = Checks.positive(ttl, "ttl");
            return this;
        }

        /**
         * Sets how long a topic's position is kept after its last publish. Default one day; raised to the
         * {@link #ttl(Duration) ttl} when shorter.
         *
         * @param metaTtl a positive duration
         * @return this builder
         */
        public Builder metaTtl(Duration metaTtl) {
            this.metaTtl = Checks.positive(metaTtl, "metaTtl");
            return this;
        }

        /**
         * Sets which topics have history. Default: every topic. The predicate must be fast, thread-safe and
         * constant for a topic.
         *
         * @param topics true for the topics that have history
         * @return this builder
         */
        public Builder topics(Predicate<String> topics) {
            this.topics = Objects.requireNonNull(topics, "topics");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public HistoryOptions build() {
            return new HistoryOptions(this);
        }
    }
}
