package io.pushline;

import java.util.concurrent.CompletableFuture;

/**
 * The authentication hook of the {@code commands} protocol: decides whether the credentials a client presents
 * with {@code AUTH <token>} are good. When a server has an authenticator, a client may send nothing but
 * {@code AUTH} until it succeeded; a rejected client gets {@code -ERR unauthorized} and is closed. Without one,
 * {@code AUTH} is accepted and has no effect.
 *
 * <p><b>Threading.</b> Called on the client connection's I/O thread; it must not block. Slow checks (a remote
 * call) complete the returned future later, from any thread.
 */
@FunctionalInterface
public interface Authenticator {
    /**
     * Checks a client's credentials.
     *
     * @param client the client
     * @param credentials the {@code AUTH} argument's bytes
     * @return a future of the authenticated principal's name; completing it with {@code null} or exceptionally
     *     rejects the client
     */
    CompletableFuture<String> authenticate(Client client, byte[] credentials);
}
