package io.pushline;

import java.util.concurrent.CompletableFuture;

/**
 * The broker SPI: where messages come from. Implementations adapt one broker (Redis Pub/Sub, Redis Cluster, NATS,
 * an in-memory bus, ...) to Pushline; the server decides what to subscribe.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Capabilities.</b> {@link #capabilities()} says what the source can do (patterns, publishing) and how
 *       its broker names topics and matches patterns ({@link PatternDialect}). What it cannot do fails with an
 *       {@link UnsupportedOperationException}; the server refuses it to clients before it gets here.</li>
 *   <li><b>Lifecycle.</b> {@link #start(MessageListener)} is called once, before any other method except
 *       {@link #capabilities()} and {@link #hasHistory(String)}; then subscriptions come and go; {@link #close()}
 *       ends it (idempotent). A source feeds exactly one listener. A {@code start} that threw (its broker cannot
 *       be reached, say) leaves the source unstarted: it may be started again, or closed. A server built with
 *       {@code awaitSource(false)} relies on this: it tries again with backoff until {@code start} returns, and
 *       makes no other call meanwhile.</li>
 *   <li><b>Subscriptions are sets, not counters.</b> Subscribing a topic twice is the same as once, and one
 *       {@code unsubscribe} ends it. Reference counting across clients is the server's job. Calls may come from
 *       any thread; a source applies the calls about one topic or pattern in the order they were made.</li>
 *   <li><b>Completion.</b> The futures complete once the broker has confirmed the change, so every message
 *       published after a {@code subscribe} future completed reaches the listener. They complete exceptionally
 *       (typically with a {@link SourceException}) when the broker refused, or when the source is closed. They
 *       never block the caller: the server calls them from its I/O threads.</li>
 *   <li><b>Ordering.</b> Per topic, messages reach the listener in the order the broker delivered them. Across
 *       topics there is no order, and a source with several broker connections may call the listener from several
 *       threads at once (see {@link MessageListener} for threading).</li>
 *   <li><b>History.</b> A source whose capabilities include {@link SourceCapabilities#history() history} keeps the
 *       last messages of the topics {@link #hasHistory(String)} names, gives each a {@link Position} (offsets grow
 *       by exactly 1 per message; the epoch changes when the history is lost) and reads them back with
 *       {@link #readHistory(String, HistoryQuery)}. Messages published around the broker (without a position)
 *       are delivered as usual, with no position.</li>
 *   <li><b>Failures.</b> When the broker connection drops, the source reconnects by itself (with backoff) and
 *       re-subscribes every topic and pattern it holds, reporting {@link SourceState#DOWN} (or
 *       {@link SourceState#DEGRADED} when only part of the broker is unreachable) and {@link SourceState#UP}
 *       through {@link MessageListener#onStateChange(SourceState)}, and
 *       {@link MessageListener#onResubscribed()} once the subscriptions are confirmed again.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe. The {@code MessageSourceContract} in {@code pushline-tck} checks this
 * contract, group by group as the capabilities say; every implementation should pass it.
 */
public interface MessageSource extends AutoCloseable {
    /**
     * Returns what the source can do and how its broker names topics. Constant for a source; callable before
     * {@link #start(MessageListener)}.
     *
     * @return the capabilities
     */
    SourceCapabilities capabilities();

    /**
     * Starts the source and connects it to the broker. Called once.
     *
     * @param listener receives every message; see {@link MessageListener} for threading
     * @throws IllegalStateException when the source was already started or is closed
     */
    void start(MessageListener listener);

    /**
     * Subscribes a topic (a concrete channel name, valid in the source's dialect).
     *
     * @param topic the topic
     * @return a future completed when the broker confirmed the subscription
     */
    CompletableFuture<Void> subscribe(String topic);

    /**
     * Ends the subscription of a topic. Unsubscribing a topic that is not subscribed is a no-op.
     *
     * @param topic the topic
     * @return a future completed when the broker confirmed
     */
    CompletableFuture<Void> unsubscribe(String topic);

    /**
     * Subscribes a pattern, in the source's {@link SourceCapabilities#dialect() dialect}. The default returns a
     * future failed with {@link UnsupportedOperationException}, for sources without patterns.
     *
     * @param pattern the pattern
     * @return a future completed when the broker confirmed the subscription
     */
    default CompletableFuture<Void> psubscribe(String pattern) {
        return unsupported("patterns");
    }

    /**
     * Ends the subscription of a pattern. Unsubscribing a pattern that is not subscribed is a no-op. The default
     * returns a future failed with {@link UnsupportedOperationException}.
     *
     * @param pattern the pattern
     * @return a future completed when the broker confirmed
     */
    default CompletableFuture<Void> punsubscribe(String pattern) {
        return unsupported("patterns");
    }

    /**
     * Publishes a message through the broker, so that every subscriber of its topic (on any server) receives it.
     * On a topic with history the broker gives it the topic's next {@link Position position}, atomically with the
     * publish. The default returns a future failed with {@link UnsupportedOperationException}.
     *
     * @param message the message to publish
     * @return a future completed when the broker accepted the message
     */
    default CompletableFuture<Void> publish(Message message) {
        return unsupported("publishing");
    }

    /**
     * Tells whether the source keeps history for a topic: its messages carry {@link Message#position() positions}
     * and {@link #readHistory(String, HistoryQuery)} reads them back. Constant for a topic; fast (no broker call).
     * The default returns false.
     *
     * @param topic a valid topic
     * @return whether the topic has history
     */
    default boolean hasHistory(String topic) {
        return false;
    }

    /**
     * Reads a topic's history, atomically: its top position and the messages the query asks for. Reading the
     * history of a topic nothing was published to yet fixes its epoch (top offset 0), so that a client given that
     * position can resume from it later. The default returns a future failed with
     * {@link UnsupportedOperationException}.
     *
     * <p>The future may complete on any of the source's threads, or already be complete when returned.
     *
     * @param topic a topic for which {@link #hasHistory(String)} is true
     * @param query which messages
     * @return a future with what was read, failed with a {@link SourceException} when the broker could not answer
     */
    default CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        return unsupported("history");
    }

    /**
     * Returns the current health of the broker connection. The default returns {@link SourceState#UP}.
     *
     * @return the state
     */
    default SourceState state() {
        return SourceState.UP;
    }

    /**
     * Closes the source: ends its subscriptions and releases what it owns. Idempotent; throws nothing checked.
     * Futures of calls made after close complete exceptionally.
     */
    @Override
    void close();

    private <T> CompletableFuture<T> unsupported(String what) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                getClass().getSimpleName() + " does not support " + what));
    }
}
