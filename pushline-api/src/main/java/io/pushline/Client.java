package io.pushline;

import java.net.SocketAddress;
import java.security.Principal;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One connected client, as hooks and listeners see it. Transports implement it; host code never does.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public interface Client {
    /**
     * Returns the server-assigned id, unique within the server for its lifetime (for logs and admin).
     *
     * @return the id
     */
    String id();

    /**
     * Returns the peer's address.
     *
     * @return the remote address
     */
    SocketAddress remoteAddress();

    /**
     * Returns the identity the client proved with a TLS client certificate (mutual TLS), once the handshake is done.
     * The default returns empty.
     *
     * @return the certificate's subject, or empty without TLS or without a client certificate
     */
    default Optional<Principal> peerPrincipal() {
        return Optional.empty();
    }

    /**
     * Returns who the client authenticated as (the {@link Authentication#principal()} its {@link Authenticator}
     * returned), once it has. The default returns empty.
     *
     * @return the principal, or empty before authentication and on a server without an authenticator
     */
    default Optional<String> principal() {
        return Optional.empty();
    }

    /**
     * Tells whether the connection is still open.
     *
     * @return whether it is open
     */
    boolean isOpen();

    /**
     * Sends one frame holding {@code payload}, framed by the connection's {@link Framing}. Asynchronous: returns
     * at once; the frame is subject to the connection's outbound limits like any push. On line framing a payload
     * containing {@code \r} or {@code \n} is not sent, and the call returns {@code false}.
     *
     * @param payload the frame's payload bytes; not retained after the call returns
     * @return {@code false} when the frame could not be queued (connection closed or payload not frameable)
     */
    boolean send(byte[] payload);

    /**
     * Subscribes this client to a topic from the server side, as if it had sent {@code SUB} but without the
     * authorizer, the subscription limits (the topic still takes one of the client's places) or a reply: for
     * example its own {@code user.<principal>} topic once it authenticated (from the authenticator's success, or
     * {@link PushListener#clientAuthenticated}). Works on {@code raw} connections too. Callable from any thread; a
     * client still connecting is subscribed as soon as it is registered. The default fails with
     * {@link UnsupportedOperationException}.
     *
     * @param topic a valid topic in the source's dialect, not {@link Topics#isReserved reserved}
     * @return a future completed once the broker confirmed the subscription; failed when the topic is invalid,
     *     the client is gone, or the broker refused
     */
    default CompletableFuture<Void> subscribe(String topic) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("subscribe"));
    }

    /**
     * Ends this client's subscription to a topic from the server side (whoever made it). Callable from any thread.
     * The default fails with {@link UnsupportedOperationException}.
     *
     * @param topic the topic
     * @return a future completed once the client no longer receives the topic
     */
    default CompletableFuture<Void> unsubscribe(String topic) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("unsubscribe"));
    }

    /**
     * Disconnects this client after what is already queued for it: a {@code commands} client gets
     * {@code -ERR disconnected: <reason>} first, a {@code raw} client just sees the connection close
     * ({@link CloseReason#DISCONNECTED}). Callable from any thread; idempotent. The default just closes.
     *
     * @param reason why, one line of text the client sees (CR and LF become spaces)
     */
    default void disconnect(String reason) {
        close();
    }

    /**
     * Closes the connection after what is already queued for it has been written. Idempotent.
     */
    void close();
}
