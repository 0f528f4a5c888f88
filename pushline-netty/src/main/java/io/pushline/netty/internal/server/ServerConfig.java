package io.pushline.netty.internal.server;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pushline.Authenticator;
import io.pushline.ClientFrameHandler;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTimeouts;
import io.pushline.netty.ServerWebSocket;
import java.time.Duration;
import java.util.List;

/**
 * The frozen settings of one server, made by {@code PushServerBuilder.build()}: what the builder sets directly and
 * the option groups, with shortcuts for what the handlers read most. {@code authenticator} (none),
 * {@code sslContext} (plain TCP) and {@code eventLoopGroup} (the server makes its own) may be null.
 *
 * @param host the address to bind, or null for every interface
 * @param port the port, 0 for any
 * @param source the message source
 * @param closeSource whether the server closes the source
 * @param framing the framing
 * @param protocol the protocol
 * @param allowPublish whether clients may publish
 * @param authenticator the authenticator, or null
 * @param authorizer the authorizer
 * @param defaultTopics the raw protocol's default topics
 * @param frameHandler what happens to raw frames
 * @param listener the host's listener
 * @param limits the limits
 * @param timeouts the timeouts
 * @param sslContext the TLS context, or null
 * @param eventLoopThreads how many event loops the server makes
 * @param eventLoopGroup the host's group, or null
 * @param nativeTransport whether to prefer epoll
 * @param awaitSource whether {@code start()} waits for the source to reach its broker (and fails when it cannot)
 * @param webSocket the WebSocket port's settings, or null for none
 * @param webSocketSslContext the WebSocket port's TLS context, or null for plain
 */
public record ServerConfig(
        String host,
        int port,
        MessageSource source,
        boolean closeSource,
        Framing framing,
        Protocol protocol,
        boolean allowPublish,
        Authenticator authenticator,
        TopicAuthorizer authorizer,
        List<String> defaultTopics,
        ClientFrameHandler frameHandler,
        PushListener listener,
        ServerLimits limits,
        ServerTimeouts timeouts,
        SslContext sslContext,
        int eventLoopThreads,
        EventLoopGroup eventLoopGroup,
        boolean nativeTransport,
        boolean awaitSource,
        ServerWebSocket webSocket,
        SslContext webSocketSslContext) {

    /**
     * The settings of a server without a WebSocket port.
     *
     * @param host the address to bind, or null for every interface
     * @param port the port, 0 for any
     * @param source the message source
     * @param closeSource whether the server closes the source
     * @param framing the framing
     * @param protocol the protocol
     * @param allowPublish whether clients may publish
     * @param authenticator the authenticator, or null
     * @param authorizer the authorizer
     * @param defaultTopics the raw protocol's default topics
     * @param frameHandler what happens to raw frames
     * @param listener the host's listener
     * @param limits the limits
     * @param timeouts the timeouts
     * @param sslContext the TLS context, or null
     * @param eventLoopThreads how many event loops the server makes
     * @param eventLoopGroup the host's group, or null
     * @param nativeTransport whether to prefer epoll
     * @param awaitSource whether {@code start()} waits for the source to reach its broker
     */
    public ServerConfig(String host, int port, MessageSource source, boolean closeSource, Framing framing,
            Protocol protocol, boolean allowPublish, Authenticator authenticator, TopicAuthorizer authorizer,
            List<String> defaultTopics, ClientFrameHandler frameHandler, PushListener listener, ServerLimits limits,
            ServerTimeouts timeouts, SslContext sslContext, int eventLoopThreads, EventLoopGroup eventLoopGroup,
            boolean nativeTransport, boolean awaitSource) {
        this(host, port, source, closeSource, framing, protocol, allowPublish, authenticator, authorizer,
                defaultTopics, frameHandler, listener, limits, timeouts, sslContext, eventLoopThreads, eventLoopGroup,
                nativeTransport, awaitSource, null, null);
    }

    /**
     * Returns these settings with another source (the one that stands in for it while it starts in the background).
     *
     * @param other the source
     * @return a copy
     */
    ServerConfig withSource(MessageSource other) {
        return new ServerConfig(host, port, other, closeSource, framing, protocol, allowPublish, authenticator,
                authorizer, defaultTopics, frameHandler, listener, limits, timeouts, sslContext, eventLoopThreads,
                eventLoopGroup, nativeTransport, awaitSource, webSocket, webSocketSslContext);
    }

    int maxQueuedBytes() {
        return limits.maxQueuedBytes();
    }

    SlowConsumerPolicy slowConsumerPolicy() {
        return limits.slowConsumerPolicy();
    }

    int inboundRateLimit() {
        return limits.inboundRateLimit();
    }

    int inboundByteRateLimit() {
        return limits.inboundByteRateLimit();
    }

    RateLimitPolicy inboundRatePolicy() {
        return limits.inboundRatePolicy();
    }

    int maxTopicsPerConnection() {
        return limits.maxTopicsPerConnection();
    }

    int maxPatternsPerConnection() {
        return limits.maxPatternsPerConnection();
    }

    Duration heartbeatInterval() {
        return timeouts.heartbeatInterval();
    }

    /** The idle timeout for this server's protocol, or null for none. */
    Duration idleTimeout() {
        return timeouts.idleTimeout(protocol).orElse(null);
    }

    /** The raw heartbeat frame, or null for none. */
    byte[] rawHeartbeat() {
        return timeouts.rawHeartbeat().orElse(null);
    }

    Duration frameTimeout() {
        return timeouts.frameTimeout();
    }

    Duration authTimeout() {
        return timeouts.authTimeout();
    }

    Duration brokerTimeout() {
        return timeouts.brokerTimeout();
    }

    Duration shutdownTimeout() {
        return timeouts.shutdownTimeout();
    }
}
