package io.pushline.netty.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** TLS setup shared by the server, the client and the Redis subscriber. Stateless. */
public final class Tls {
    /** The TLS versions Pushline speaks. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private Tls() {
    }

    /**
     * The TLS implementation to build a context with: the one chosen, or OpenSSL when it is available and the JDK's
     * otherwise.
     *
     * @param chosen the provider chosen, or null for the default
     * @return the provider to use
     * @throws IllegalStateException when OpenSSL is chosen and not available
     */
    public static SslProvider providerOrDefault(SslProvider chosen) {
        SslProvider provider = chosen != null ? chosen : OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        if (provider != SslProvider.JDK && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("tlsProvider " + provider + " is not available ("
                    + OpenSsl.unavailabilityCause() + "): add netty-tcnative-boringssl-static");
        }
        return provider;
    }

    /**
     * Names the implementation behind a context, for logs.
     *
     * @param context the context
     * @return for example {@code OpenSSL (BoringSSL)} or {@code the JDK}
     */
    public static String implementation(SslContext context) {
        return context instanceof ReferenceCountedOpenSslContext ? "OpenSSL (" + OpenSsl.versionString() + ")"
                : "the JDK";
    }

    /**
     * Makes the TLS handler of a client connection to {@code host}, optionally checking that the server's
     * certificate names that host (as HTTPS does).
     *
     * @param context a client context
     * @param alloc the channel's allocator
     * @param host the server's host name
     * @param port its port
     * @param verifyHost whether the certificate must name {@code host}
     * @return the handler, to add first to the pipeline
     */
    public static SslHandler clientHandler(SslContext context, ByteBufAllocator alloc, String host, int port,
            boolean verifyHost) {
        SslHandler handler = context.newHandler(alloc, host, port);
        if (verifyHost) {
            SSLEngine engine = handler.engine();
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        return handler;
    }
}
