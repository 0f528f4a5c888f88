package io.pushline.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pushline.Authenticator;
import io.pushline.ClientFrameHandler;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.RateLimitPolicy;
import io.pushline.TopicAuthorizer;
import io.pushline.SlowConsumerPolicy;
import java.time.Duration;
import java.util.List;

/**
 * The frozen settings of one server, made by {@link PushServer.Builder#build()}. {@code authenticator},
 * {@code idleTimeout} (never), {@code rawHeartbeat} (none) and {@code sslContext}
 * (plain TCP) may be null.
 */
record ServerConfig(
        String host,
        int port,
        MessageSource source,
        boolean closeSource,
        Framing framing,
        Protocol protocol,
        boolean allowPublish,
        Authenticator authenticator,
        List<String> defaultTopics,
        ClientFrameHandler frameHandler,
        PushListener listener,
        int maxQueuedBytes,
        SlowConsumerPolicy slowConsumerPolicy,
        int eventLoopThreads,
        EventLoopGroup eventLoopGroup,
        boolean nativeTransport,
        Duration shutdownTimeout,
        int maxConnections,
        int maxConnectionsPerAddress,
        Duration heartbeatInterval,
        Duration idleTimeout,
        byte[] rawHeartbeat,
        int inboundRateLimit,
        RateLimitPolicy inboundRatePolicy,
        SslContext sslContext,
        TopicAuthorizer authorizer,
        Duration authTimeout,
        int inboundByteRateLimit,
        int maxTopicsPerConnection,
        int maxPatternsPerConnection,
        Duration frameTimeout,
        Duration brokerTimeout) {
}
