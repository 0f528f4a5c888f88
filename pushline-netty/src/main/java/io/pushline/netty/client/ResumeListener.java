package io.pushline.netty.client;

/**
 * Hears how a {@link PushClient}'s topics with history were resumed, and of the subscriptions the server refused for
 * good: set with {@link PushClientBuilder#onResume(ResumeListener)}. The methods do nothing by default.
 *
 * <p>Threading: called on the client's event loop thread, in order with the messages (a {@code recovered} call
 * comes before the recovered messages reach the {@link PushClientBuilder#onMessage message listener}). It must be
 * fast and must not block; what it throws is caught and logged.
 */
public interface ResumeListener {
    /**
     * The server answered a subscription with {@code RECOVERED}: the {@code count} messages that follow the
     * client's last position (after a reconnect, or after a gap in the live stream), or the latest {@code count}
     * (for {@link PushClient#subscribeLast(String, int)}), come next, then live messages; nothing was lost.
     * Called for every such answer, with {@code count} 0 when nothing was missed.
     *
     * @param topic the topic
     * @param count how many messages the server replays now, 0 or more
     */
    default void recovered(String topic, int count) {
    }

    /**
     * Messages of the topic were lost for this client: the server could not replay what the client missed (its
     * history no longer held them, was reset, or the client was too far behind), or announced a gap it could
     * not repair ({@code $lost}), or a message could not be delivered even after a resume. Live messages go on;
     * state derived from the topic should be reloaded from the system of record.
     *
     * @param topic the topic
     */
    default void lost(String topic) {
    }

    /**
     * The server refused a subscription for good (for example {@code forbidden}, a name it does not accept, or its
     * limit on subscriptions per connection), on a call of {@link PushClient#subscribe(String)} (whose future fails
     * too) or when the client subscribed again by itself (after a reconnect, or to resume a topic): the client has
     * forgotten the topic or pattern, and its position, and will not ask for it again; nothing more of it is
     * delivered. It is logged at WARN as well. Refusals the server may get over (its broker did not answer or is
     * down, it reads too many histories at once) are not reported here: the client keeps the subscription, and
     * its position, and asks again after a backoff (1 s, doubling up to 30 s) or on the next connection.
     *
     * @param name the topic, or the pattern when {@code pattern} is true
     * @param pattern whether it was a pattern subscription ({@link PushClient#psubscribe(String)})
     * @param reason the server's reason, the text after {@code -ERR}
     */
    default void refused(String name, boolean pattern, String reason) {
    }
}
