package io.pushline.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pushline.SourceException;
import java.util.function.Predicate;

/** Creates the {@link PubSubConnection} of a {@link RedisMessageSource} from its Lettuce client and URI. */
final class PubSubSetup {
    private PubSubSetup() {
    }

    /**
     * The subscriber connection, with the URI's credentials and TLS settings (and the client's SSL options).
     *
     * @param hasHistory which topics' envelopes keep their positions
     * @throws SourceException when TLS cannot be set up
     */
    static PubSubConnection connection(RedisClient client, RedisURI uri, String description,
            PubSubConnection.Events events, Predicate<String> hasHistory) {
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
                SslOptions options = client.getOptions().getSslOptions();
                SslContextBuilder builder = options == null ? SslContextBuilder.forClient()
                        : options.createSslContextBuilder();
                if (uri.getVerifyMode() == SslVerifyMode.NONE) {
                    builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
                }
                tls = builder.build();
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                throw new SourceException("cannot set up TLS to " + description + ": " + e.getMessage(), e);
            }
        }
        return new PubSubConnection(uri.getHost(), uri.getPort(), tls, uri.isSsl()
                && uri.getVerifyMode() == SslVerifyMode.FULL, username, password,
                RedisMessageSource.DEFAULT_RECONNECT_DELAY_MIN, RedisMessageSource.DEFAULT_RECONNECT_DELAY_MAX,
                description, events, hasHistory);
    }
}
