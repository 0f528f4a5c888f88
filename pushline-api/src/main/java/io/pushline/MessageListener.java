package io.pushline;

import java.util.Set;

/**
 * Receives what a {@link MessageSource} delivers. A server installs exactly one listener per source
 * with {@link MessageSource#start(MessageListener)}.
 *
 * <p><b>Threading.</b> The source calls the listener from its own thread(s), for example one I/O thread per broker
 * connection. Calls about one topic (its messages, and the copies of them that patterns matched) never overlap and
 * come in the order the broker delivered them; calls about different topics may come at the same time from
 * different threads. State and dropped-message calls may come from any of the source's threads. Implementations
 * must be thread-safe, fast, and must not block; work that may block belongs on another executor. A listener should
 * not throw; if it does, the source catches and logs the exception and carries on with the next message.
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
     * passes each delivery on, right after one another and on the topic's thread.
     *
     * @param pattern the pattern that matched
     * @param message the message; its topic is the concrete channel it was published to
     */
    void onPatternMessage(String pattern, Message message);

    /**
     * Called when the source's connection to its broker changes state. The default does nothing.
     *
     * @param state the new state
     */
    default void onStateChange(SourceState state) {
    }

    /**
     * Called after a reconnection once every subscription that still has interest is confirmed by the broker
     * again: from then on messages flow as before. Sources that can tell report it; the default does nothing.
     */
    default void onResubscribed() {
    }

    /**
     * Called instead of {@link #onResubscribed()} when only some subscriptions were lost and are confirmed by the
     * broker again, the others having held throughout: a source with several broker connections (the shards of a
     * cluster) reports the topics of a shard that failed over, or of a slot that migrated. The messages published to
     * these topics meanwhile may have been missed; those of other topics were not. The default calls
     * {@link #onResubscribed()}.
     *
     * @param topics the topics subscribed again; unmodifiable
     */
    default void onTopicsResubscribed(Set<String> topics) {
        onResubscribed();
    }

    /**
     * The source dropped messages before they became {@link Message}s, so there is nothing to show but their
     * count and why: {@link DropReason#SERVER_OVERLOADED} when it fell so far behind its broker that it skipped
     * messages instead of letting the broker cut it off (Redis closes a subscriber whose output buffer passes
     * {@code client-output-buffer-limit pubsub}), {@link DropReason#INVALID_TOPIC} for a message on a channel
     * whose name is not a valid topic (not UTF-8, say) that a pattern matched. The default does nothing.
     *
     * @param reason why
     * @param count how many messages were dropped since the last call
     */
    default void onMessagesDropped(DropReason reason, long count) {
    }
}
