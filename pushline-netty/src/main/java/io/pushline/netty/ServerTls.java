package io.pushline.netty;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.pushline.netty.internal.Tls;
import java.io.File;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * A push server's TLS: TLS 1.2 and 1.3 with a PEM certificate chain and key, optionally requiring client
 * certificates from given CAs (mutual TLS), on OpenSSL when it is available and the JDK otherwise; or a Netty
 * {@link SslContext} made by the host.
 *
 * <pre>{@code
 * PushServer.builder().tls(ServerTls.builder(chainPem, keyPem).clientAuth(clientsCaPem).build())
 * }</pre>
 *
 * <p>Client-initiated renegotiation is refused whichever implementation runs. Immutable and thread-safe.
 */
public final class ServerTls {
    private final SslContext context;

    private ServerTls(SslContext context) {
        this.context = context;
    }

    /**
     * TLS with a context the host made (custom trust, ciphers or provider).
     *
     * @param context a server context
     * @return the TLS settings
     * @throws IllegalArgumentException when {@code context} is a client context
     */
    public static ServerTls of(SslContext context) {
        Objects.requireNonNull(context, "context");
        if (!context.isServer()) {
            throw new IllegalArgumentException("context: a client context (expected: a server context)");
        }
        return new ServerTls(context);
    }

    /**
     * Starts TLS settings from a PEM certificate chain and its private key.
     *
     * @param certChainPem the server's certificate chain, PEM
     * @param privateKeyPem its private key, PEM (PKCS#8)
     * @return a new builder
     */
    public static Builder builder(File certChainPem, File privateKeyPem) {
        return new Builder(Objects.requireNonNull(certChainPem, "certChainPem"),
                Objects.requireNonNull(privateKeyPem, "privateKeyPem"));
    }

    /**
     * Returns the Netty context the server wraps each connection with.
     *
     * @return the context
     */
    public SslContext context() {
        return context;
    }

    /** Returns which implementation runs, for example {@code ServerTls[OpenSSL (BoringSSL)]}. */
    @Override
    public String toString() {
        return "ServerTls[" + Tls.implementation(context) + "]";
    }

    /** Builds {@link ServerTls} from PEM files. Not thread-safe. */
    public static final class Builder {
        private final File certChainPem;
        private final File privateKeyPem;
        private File trustedClientCaPem;
        private SslProvider provider;

        private Builder(File certChainPem, File privateKeyPem) {
            this.certChainPem = certChainPem;
            this.privateKeyPem = privateKeyPem;
        }

        /**
         * Requires a client certificate signed by one of these CAs (mutual TLS); the verified subject is then
         * {@link io.pushline.Client#peerPrincipal()}. Off by default.
         *
         * @param trustedCaPem the CA certificates clients' certificates must chain to, PEM
         * @return this builder
         */
        public Builder clientAuth(File trustedCaPem) {
            this.trustedClientCaPem = Objects.requireNonNull(trustedCaPem, "trustedCaPem");
            return this;
        }

        /**
         * Chooses the TLS implementation: {@link SslProvider#OPENSSL} (BoringSSL from
         * {@code netty-tcnative-boringssl-static}, which must then be on the class path) or {@link SslProvider#JDK}.
         * By default OpenSSL is used when it is available and the JDK's otherwise; the server logs which at start.
         *
         * @param provider the provider; null for the default
         * @return this builder
         */
        public Builder provider(SslProvider provider) {
            this.provider = provider;
            return this;
        }

        /**
         * Loads the files and builds the settings.
         *
         * @return the TLS settings
         * @throws IllegalArgumentException when the files cannot be loaded
         * @throws IllegalStateException when OpenSSL was chosen and is not available
         */
        public ServerTls build() {
            try {
                SslContextBuilder b = SslContextBuilder.forServer(certChainPem, privateKeyPem)
                        .protocols(Tls.PROTOCOLS).sslProvider(Tls.providerOrDefault(provider));
                if (trustedClientCaPem != null) {
                    b.trustManager(trustedClientCaPem).clientAuth(ClientAuth.REQUIRE);
                }
                return new ServerTls(b.build());
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("tls: cannot load " + certChainPem + " / " + privateKeyPem
                        + (trustedClientCaPem == null ? "" : " / " + trustedClientCaPem) + ": " + e.getMessage(), e);
            }
        }
    }
}
