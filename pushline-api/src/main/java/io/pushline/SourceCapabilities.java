package io.pushline;

import java.util.Objects;

/**
 * What a {@link MessageSource} can do, so that the server offers exactly that: a {@code PSUB} on a source
 * without patterns is answered {@code -ERR patterns not supported by this source}, a {@code PUB} on a source that
 * cannot publish {@code -ERR publish not supported by this source}, and names are checked with the source's
 * {@link #dialect() dialect}.
 *
 * <pre>{@code
 * SourceCapabilities.builder(PatternDialect.redisGlob()).patterns(true).publish(true).build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SourceCapabilities {
    private final PatternDialect dialect;
    private final boolean patterns;
    private final boolean publish;
    private final boolean history;

    private SourceCapabilities(Builder b) {
        this.dialect = b.dialect;
        this.patterns = b.patterns;
        this.publish = b.publish;
        this.history = b.history;
    }

    /**
     * Starts a builder; everything is off until switched on.
     *
     * @param dialect how the broker names topics and, if it has them, matches patterns
     * @return a new builder
     */
    public static Builder builder(PatternDialect dialect) {
        return new Builder(Objects.requireNonNull(dialect, "dialect"));
    }

    /**
     * Returns how the broker names topics and matches patterns: what a valid topic and a valid pattern are, and
     * which topics a pattern matches, byte for byte as the broker decides.
     *
     * @return the dialect
     */
    public PatternDialect dialect() {
        return dialect;
    }

    /**
     * Tells whether the source supports {@link MessageSource#psubscribe(String) pattern subscriptions}.
     *
     * @return whether it does
     */
    public boolean patterns() {
        return patterns;
    }

    /**
     * Tells whether the source supports {@link MessageSource#publish(Message) publishing}.
     *
     * @return whether it does
     */
    public boolean publish() {
        return publish;
    }

    /**
     * Tells whether the source keeps history for some topics ({@link MessageSource#hasHistory(String)} says which),
     * so that their messages carry {@link Position positions} and {@link MessageSource#readHistory(String,
     * HistoryQuery)} reads them back.
     *
     * @return whether it does
     */
    public boolean history() {
        return history;
    }

    @Override
    public String toString() {
        return "SourceCapabilities[" + dialect.name() + (patterns ? ", patterns" : "") + (publish ? ", publish" : "")
                + (history ? ", history" : "") + "]";
    }

    /** Builds {@link SourceCapabilities}. Not thread-safe. */
    public static final class Builder {
        private final PatternDialect dialect;
        private boolean patterns;
        private boolean publish;
        private boolean history;

        private Builder(PatternDialect dialect) {
            this.dialect = dialect;
        }

        /**
         * Sets whether the source supports pattern subscriptions, in its dialect. Off by default.
         *
         * @param patterns whether it does
         * @return this builder
         */
        public Builder patterns(boolean patterns) {
            this.patterns = patterns;
            return this;
        }

        /**
         * Sets whether the source can publish. Off by default.
         *
         * @param publish whether it can
         * @return this builder
         */
        public Builder publish(boolean publish) {
            this.publish = publish;
            return this;
        }

        /**
         * Sets whether the source keeps history (for some topics at least). Off by default.
         *
         * @param history whether it does
         * @return this builder
         */
        public Builder history(boolean history) {
            this.history = history;
            return this;
        }

        /**
         * Builds the capabilities.
         *
         * @return the capabilities
         */
        public SourceCapabilities build() {
            return new SourceCapabilities(this);
        }
    }
}
