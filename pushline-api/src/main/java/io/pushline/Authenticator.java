package io.pushline;

import java.util.concurrent.CompletableFuture;

/**
 * The authentication hook: decides whether the credentials a client presents are good and who they prove. The
 * credentials are the {@code AUTH <token>} argument on {@code commands}, the first frame on {@code raw}
 * ({@link #authenticate}), and, under mutual TLS, the verified client certificate
 * ({@link #authenticateCertificate}, which by default leaves the decision to the token). When a server has an
 * authenticator, a client may send nothing but {@code AUTH} until it succeeded; a rejected client gets
 * {@code -ERR unauthorized} and is closed. Without one, {@code AUTH} is accepted and has no effect.
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
     * @param credentials the {@code AUTH} argument's bytes ({@code commands}), or the first frame ({@code raw})
     * @return a future of the {@link Authentication} (who the client is, and until when); completing it with
     *     {@code null} or exceptionally rejects the client
     */
    CompletableFuture<Authentication> authenticate(Client client, byte[] credentials);

    /**
     * Authenticates a client by the certificate it presented under mutual TLS, once the TLS handshake has verified
     * the chain against the server's trusted CA. Called on the connection's I/O thread, before the client is
     * registered and before any of its frames is read; it must not block (return a future that completes later
     * for a slow check).
     *
     * <p>The default returns a completed {@code null}: a certificate alone does not authenticate, and the client
     * must still present credentials ({@code AUTH}, or the first frame on {@code raw}). Its subject remains
     * {@link Client#peerPrincipal()}.
     *
     * @param client the connecting client
     * @param chain the verified certificate chain, the client's own certificate first
     * @return a future of the authentication (the client is then authenticated, as by {@code AUTH}), of
     *     {@code null} (not authenticated yet), or failed (refused: {@code -ERR unauthorized} and the connection is
     *     closed)
     */
    default CompletableFuture<Authentication> authenticateCertificate(Client client,
            java.security.cert.X509Certificate[] chain) {
        return CompletableFuture.completedFuture(null);
    }
}
