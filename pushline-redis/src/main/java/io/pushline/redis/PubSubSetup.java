package io.pushline.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pushline.SourceException;
import io.pushline.netty.internal.Transport;

/**
 * How subscriber connections ({@link PubSubConnection}) are made from a Lettuce client's options and a URI: the
 * URI's credentials and TLS settings, with the client's SSL options (trust and key material), on an event loop.
 */
final class PubSubSetup {
    private PubSubSetup() {
    }

    /**
     * What every subscriber connection of one source shares: TLS (null for plain TCP), whether the host name is
     * verified, and the credentials (password null for none).
     */
    record Settings(SslContext tls, boolean verifyHost, String username, char[] password) {
    }

    /**
     * Reads the settings from a URI and the client's options.
     *
     * @param options the Lettuce client's options (for its SSL options); may be null
     * @throws SourceException when TLS cannot be set up
     */
    static Settings settings(ClientOptions options, RedisURI uri, String description) {
        String username = null;
        char[] password = null;
        if (uri.getCredentialsProvider() != null) {
            RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block(uri.getTimeout());
            if (credentials != null && credentials.hasPassword()) {
                password = credentials.getPassword();
                username = credentials.hasUsername() ? credentials.getUsername() : null;
            }
        }
        SslContext tls = null;
        if (uri.isSsl()) {
            try {
                SslOptions ssl = options == null ? null : options.getSslOptions();
                SslContextBuilder builder = ssl == null ? SslContextBuilder.forClient() : ssl.createSslContextBuilder();
                if (uri.getVerifyMode() == SslVerifyMode.NONE) {
                    builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
                }
                tls = builder.build();
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                throw new SourceException("cannot set up TLS to " + description + ": " + e.getMessage(), e);
            }
        }
        return new Settings(tls, uri.isSsl() && uri.getVerifyMode() == SslVerifyMode.FULL, username, password);
    }

    /**
     * An event loop group of one daemon thread for subscriber connections, on the native transport when there is
     * one.
     */
    static EventLoopGroup newGroup(String threadName) {
        return Transport.choose(true).newGroup(1, threadName);
    }

    /** The subscriber connection of a {@link RedisMessageSource}: to the URI's host, on a loop of its own. */
    static PubSubConnection connection(Settings settings, RedisURI uri, String description,
            PubSubEvents events, Subscriptions subscriptions,
            java.util.function.Predicate<String> hasHistory) {
        EventLoop loop = newGroup("pushline-redis-sub").next();
        return new PubSubConnection(uri.getHost(), uri.getPort(), settings, description, events, subscriptions,
                hasHistory, loop, true);
    }
}
