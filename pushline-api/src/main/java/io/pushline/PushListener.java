package io.pushline;

/**
 * Server events, for logging and metrics. Every method has a no-op default, so implementations override only
 * what they need; {@link #NONE} ignores everything.
 *
 * <p><b>Threading.</b> Called on the thread where the event happened: a connection's I/O thread for client
 * events, the source's thread for source events. Implementations must be fast, must not block and should not
 * throw; exceptions are caught and logged.
 */
public interface PushListener {
    /** A listener that ignores every event. */
    PushListener NONE = new PushListener() {
    };

    /**
     * A client connected.
     *
     * @param client the client
     */
    default void clientConnected(Client client) {
    }

    /**
     * A client authenticated (with {@code AUTH}, its first frame on {@code raw}, or its certificate), or
     * authenticated again. A good place to subscribe it to its own topics with {@link Client#subscribe(String)}.
     *
     * @param client the client
     * @param authentication who it proved to be, and until when
     */
    default void clientAuthenticated(Client client, Authentication authentication) {
    }

    /**
     * A client disconnected, for whatever reason. The default calls {@link #clientDisconnected(Client)}.
     *
     * @param client the client
     * @param reason why the connection ended
     */
    default void clientDisconnected(Client client, CloseReason reason) {
        clientDisconnected(client);
    }

    /**
     * A client disconnected. Called by the default {@link #clientDisconnected(Client, CloseReason)}.
     *
     * @param client the client
     */
    default void clientDisconnected(Client client) {
    }

    /**
     * A connection was refused because it was over the connection limits.
     *
     * @param remoteAddress the peer's address
     */
    default void connectionRefused(java.net.SocketAddress remoteAddress) {
    }

    /**
     * A client's outbound buffer was full and the policy was applied: {@code DISCONNECT} when the client is being
     * closed, {@code DROP} when its messages are dropped until it drains (under the DROP policy, or under DISCONNECT
     * while most clients of its I/O thread are behind at once). Reported once per run of drops.
     *
     * @param client the client
     * @param policy what the server did
     */
    default void slowConsumer(Client client, SlowConsumerPolicy policy) {
    }

    /**
     * A message was not delivered, either to one client or (for {@link DropReason#NOT_FRAMEABLE} and
     * {@link DropReason#TOO_LONG}) to any client.
     *
     * @param message the message
     * @param reason why
     */
    default void messageDropped(Message message, DropReason reason) {
    }

    /**
     * The source's broker connection changed state. A server that does not wait for its source at start
     * ({@code awaitSource(false)}) reports {@link SourceState#DOWN} when its first attempt to start the source failed,
     * and {@link SourceState#UP} once the source started; one whose source started at once reports nothing then.
     *
     * @param state the new state
     */
    default void sourceStateChanged(SourceState state) {
    }

    /**
     * The source re-subscribed everything that has clients after a reconnection: messages flow as before (those
     * published while it was down may be lost, unless the source keeps history).
     */
    default void sourceResubscribed() {
    }
}
