package io.pushline;

/**
 * Receives what a {@link MessageSource} delivers. A server installs exactly one listener per source
 * with {@link MessageSource#start(MessageListener)}.
 *
 * <p><b>Threading.</b> The source calls the listener from its own thread (for example the broker client's I/O
 * thread), never concurrently: calls are serialized, in the order the broker delivered the messages.
 * Implementations must be fast and must not block; work that may block belongs on another executor.
 * A listener should not throw; if it does, the source catches and logs the exception and carries on with the
 * next message.
 */
public interface MessageListener {
    /**
     * Called for a message on a topic that was subscribed with {@link MessageSource#subscribe(String)}.
     *
     * @param message the message
     */
    void onMessage(Message message);

    /**
     * Called for a message that matched a pattern subscribed with {@link MessageSource#psubscribe(String)}.
     * When a message matches several subscriptions the broker delivers it once per subscription, and the source
     * passes each delivery on.
     *
     * @param pattern the pattern that matched
     * @param message the message; its topic is the concrete channel it was published to
     */
    void onPatternMessage(String pattern, Message message);

    /**
     * Called when the source's connection to its broker goes down or comes back. The default does nothing.
     *
     * @param state the new state
     */
    default void onStateChange(SourceState state) {
    }

    /**
     * The source dropped messages before they became {@link Message}s, so there is nothing to show but their
     * count and why: {@link DropReason#SERVER_OVERLOADED} when it fell so far behind its broker that it skipped
     * messages instead of letting the broker cut it off (Redis closes a subscriber whose output buffer passes
     * {@code client-output-buffer-limit pubsub}), {@link DropReason#INVALID_TOPIC} for a message on a channel
     * whose name is not a valid topic (not UTF-8, say) that a pattern matched. Called on the source's thread; the
     * default does nothing.
     *
     * @param reason why
     * @param count how many messages were dropped since the last call
     */
    default void onMessagesDropped(DropReason reason, long count) {
    }
}
