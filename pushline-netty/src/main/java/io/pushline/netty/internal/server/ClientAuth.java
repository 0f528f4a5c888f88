package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Authentication;
import io.pushline.CloseReason;
import io.pushline.TopicAuthorizer;
import io.pushline.internal.LogText;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who one client is: its authentication (and the timer that ends the connection when it expires) and the
 * authorizer's decisions for it. Changed on the client's event loop; read from any thread.
 */
final class ClientAuth {
    private static final Logger LOG = LoggerFactory.getLogger(ClientAuth.class);

    private final NettyClient client;
    private final ServerContext server;
    /** Set on the event loop once the client authenticated (always true without an authenticator). */
    private volatile boolean authenticated;
    private volatile Authentication authentication;
    /** Only touched on the event loop: ends the connection when the authentication expires. */
    private ScheduledFuture<?> expiry;

    ClientAuth(NettyClient client, ServerContext server) {
        this.client = client;
        this.server = server;
        this.authenticated = server.config().authenticator() == null;
    }

    boolean isAuthenticated() {
        return authenticated;
    }

    /** The authenticated principal, if any. */
    Optional<String> principal() {
        Authentication auth = authentication;
        return auth == null ? Optional.empty() : Optional.of(auth.principal());
    }

    /**
     * Records a successful authentication (on the event loop), replacing an earlier one, and ends the connection
     * when it expires unless the client authenticates again first.
     */
    void authenticated(Authentication auth) {
        this.authentication = auth;
        this.authenticated = true;
        server.listener().clientAuthenticated(client, auth);
        cancelExpiry();
        auth.expiresAt().ifPresent(at -> {
            long delay = Math.max(0, Duration.between(Instant.now(), at).toNanos());
            expiry = client.channel().eventLoop().schedule(() -> expire(auth), delay, TimeUnit.NANOSECONDS);
        });
    }

    private void expire(Authentication auth) {
        if (authentication != auth || !client.isOpen()) {
            return;
        }
        LOG.debug("{}: authentication as {} expired, closing", client, LogText.escape(auth.principal()));
        client.closeWith(CloseReason.AUTH_EXPIRED, "unauthorized: expired");
    }

    /** Cancels the expiry timer (a new authentication, or the end of the connection). */
    void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    /** Who this client is for authorization: its authenticated name, else its TLS certificate's subject. */
    String principalForAuthorization() {
        Authentication auth = authentication;
        return auth != null ? auth.principal() : client.peerPrincipal().map(Principal::getName).orElse(null);
    }

    /** Asks the authorizer; a failing authorizer denies. */
    boolean authorized(String name, boolean pattern, TopicAuthorizer.Action action) {
        try {
            return server.config().authorizer().authorize(client, principalForAuthorization(), name, pattern, action);
        } catch (RuntimeException e) {
            LOG.warn("{}: authorizer failed on {} {}, denying", client, action, LogText.escape(name), e);
            return false;
        }
    }

    /** The verified subject of the client's certificate, when it connected over TLS with one. */
    static Optional<Principal> peerPrincipal(Channel channel) {
        SslHandler tls = (SslHandler) channel.pipeline().get(PushChannelInitializer.TLS);
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            return Optional.empty();
        }
        try {
            return Optional.of(tls.engine().getSession().getPeerPrincipal());
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return Optional.empty(); // TLS without a client certificate: no principal, by design
        }
    }
}
