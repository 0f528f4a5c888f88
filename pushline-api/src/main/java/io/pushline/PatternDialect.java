package io.pushline;

import io.pushline.internal.NatsSubjects;
import io.pushline.internal.RedisGlob;

/**
 * How a broker names topics and matches patterns. A {@link MessageSource} declares its dialect in its
 * {@link SourceCapabilities}; the server checks every client's topics and patterns with it, and an authorizer that
 * grants topics by pattern should use the same dialect, so that a grant means what the broker will deliver.
 *
 * <p>A dialect matches exactly as its broker does (so that a client holding several patterns gets each message
 * once) and in time bounded by the lengths of pattern and topic, whatever they are.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface PatternDialect {
    /**
     * Redis's {@code PSUBSCRIBE} globs, byte for byte on UTF-8 as Redis's {@code stringmatchlen}: {@code *} any run
     * of bytes, {@code ?} one byte, {@code [abc]}, {@code [^a]}, {@code [a-z]} one byte from a set, {@code \}
     * escapes. Every valid topic (see {@link Topics}) is a valid Redis channel.
     *
     * @return the Redis glob dialect
     */
    static PatternDialect redisGlob() {
        return RedisGlob.DIALECT;
    }

    /**
     * NATS subjects: tokens separated by {@code .}, none empty; in a pattern {@code *} stands for exactly one token
     * and {@code >}, as the last token, for one or more. A topic (a subject to publish to) holds no wildcard.
     *
     * @return the NATS dialect
     */
    static PatternDialect natsSubjects() {
        return NatsSubjects.DIALECT;
    }

    /**
     * Returns a short name for logs and errors, such as {@code redis-glob}.
     *
     * @return the name
     */
    String name();

    /**
     * Tells what is wrong with a topic in this dialect, or returns {@code null} when it is valid. Every dialect
     * applies the {@link Topics} rules first.
     *
     * @param topic the topic
     * @return a short reason such as {@code "topic has an empty token"}, or {@code null}
     */
    String topicProblem(String topic);

    /**
     * Tells what is wrong with a pattern in this dialect, or returns {@code null} when it is valid.
     *
     * @param pattern the pattern
     * @return a short reason, or {@code null}
     */
    String patternProblem(String pattern);

    /**
     * Compiles a valid pattern for repeated matching.
     *
     * @param pattern a pattern for which {@link #patternProblem(String)} is {@code null}
     * @return the compiled pattern
     * @throws IllegalArgumentException when the pattern is not valid
     */
    TopicPattern compile(String pattern);

    /**
     * Tells whether a topic matches a pattern (compiling the pattern each time).
     *
     * @param pattern a valid pattern
     * @param topic a topic
     * @return whether the broker would deliver a message on {@code topic} to a subscription of {@code pattern}
     */
    default boolean matches(String pattern, String topic) {
        return compile(pattern).matches(topic);
    }

    /** A compiled pattern. Immutable and thread-safe. */
    interface TopicPattern {
        /**
         * Returns the pattern's text.
         *
         * @return the pattern
         */
        String pattern();

        /**
         * Tells whether a topic matches, in time bounded by the lengths of pattern and topic.
         *
         * @param topic the topic
         * @return whether it matches
         */
        boolean matches(String topic);
    }
}
