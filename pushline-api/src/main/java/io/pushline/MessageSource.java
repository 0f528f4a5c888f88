package io.pushline;

import java.util.concurrent.CompletableFuture;

/**
 * The broker SPI: where messages come from. Implementations adapt one broker (Redis Pub/Sub, an in-memory bus,
 * ...) to Pushline; the server decides what to subscribe.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Lifecycle.</b> {@link #start(MessageListener)} is called once, before any other method; then
 *       subscriptions come and go; {@link #close()} ends it (idempotent). A source feeds exactly one listener.</li>
 *   <li><b>Subscriptions are sets, not counters.</b> Subscribing a topic twice is the same as once, and one
 *       {@code unsubscribe} ends it. Reference counting across clients is the server's job. Calls may come from
 *       any thread; a source applies them in the order they were made.</li>
 *   <li><b>Completion.</b> The futures complete once the broker has confirmed the change, so every message
 *       published after a {@code subscribe} future completed reaches the listener. They complete exceptionally
 *       (typically with a {@link SourceException}) when the broker refused, or when the source is closed.</li>
 *   <li><b>Ordering.</b> Messages reach the listener in the order the broker delivered them to the source, so
 *       per topic in publish order.</li>
 *   <li><b>Threading.</b> The listener is called from the source's own thread(s), never concurrently, and the
 *       source never blocks the caller of {@code subscribe} waiting for the broker.</li>
 *   <li><b>Failures.</b> When the broker connection drops, the source reconnects by itself (with backoff) and
 *       re-subscribes every topic and pattern it holds, reporting {@link SourceState#DOWN} and
 *       {@link SourceState#UP} through {@link MessageListener#onStateChange(SourceState)}.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe. The {@code MessageSourceContract} test kit in {@code pushline-test} checks
 * this contract; every implementation should pass it.
 */
public interface MessageSource extends AutoCloseable {
    /**
     * Starts the source and connects it to the broker. Called once.
     *
     * @param listener receives every message; see {@link MessageListener} for threading
     * @throws IllegalStateException when the source was already started or is closed
     */
    void start(MessageListener listener);

    /**
     * Subscribes a topic (a concrete channel name).
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
     * Subscribes a pattern (Redis glob syntax: {@code *}, {@code ?}, {@code [...]}).
     *
     * @param pattern the pattern
     * @return a future completed when the broker confirmed the subscription
     */
    CompletableFuture<Void> psubscribe(String pattern);

    /**
     * Ends the subscription of a pattern. Unsubscribing a pattern that is not subscribed is a no-op.
     *
     * @param pattern the pattern
     * @return a future completed when the broker confirmed
     */
    CompletableFuture<Void> punsubscribe(String pattern);

    /**
     * Publishes a message through the broker, so that every subscriber of its topic (on any server) receives it.
     * Optional: the default returns a future failed with {@link UnsupportedOperationException}.
     *
     * @param message the message to publish
     * @return a future completed when the broker accepted the message
     */
    default CompletableFuture<Void> publish(Message message) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                getClass().getSimpleName() + " does not support publishing"));
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
}
