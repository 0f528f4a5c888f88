package io.pushline;

/**
 * The authorization hook: decides whether a client may subscribe to a topic or pattern, or publish to a topic.
 * A denied {@code SUB}, {@code PSUB} or {@code PUB} gets {@code -ERR forbidden}; a denied default topic of a
 * {@code raw} server is simply not subscribed. Patterns are authorized as patterns: an implementation that grants
 * topics one by one should deny patterns that could match more than it grants (for example {@code *}).
 *
 * <p><b>Threading.</b> Called on the client connection's I/O thread; it must be fast and must not block.
 */
@FunctionalInterface
public interface TopicAuthorizer {
    /** Allows everything (the default). */
    TopicAuthorizer ALLOW_ALL = (client, principal, name, pattern, action) -> true;

    /** What a client wants to do. */
    enum Action {
        /** {@code SUB}, {@code PSUB}, or a {@code raw} server's default topics. */
        SUBSCRIBE,
        /** {@code PUB}. */
        PUBLISH
    }

    /**
     * Decides one request.
     *
     * @param client the client
     * @param principal who the client is: the name its {@link Authenticator} returned, else the subject of its TLS
     *     client certificate, else {@code null}
     * @param name the topic, or the pattern when {@code pattern} is true
     * @param pattern whether {@code name} is a pattern ({@code PSUB})
     * @param action subscribe or publish
     * @return whether it is allowed
     */
    boolean authorize(Client client, String principal, String name, boolean pattern, Action action);
}
