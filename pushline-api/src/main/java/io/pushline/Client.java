package io.pushline;

import java.net.SocketAddress;
import java.security.Principal;
import java.util.Optional;

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
     * Closes the connection after what is already queued for it has been written. Idempotent.
     */
    void close();
}
