package io.pushline.spring.boot;

import io.pushline.Framing;
import io.pushline.Protocol;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import java.io.File;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code pushline.*} properties: the auto-configured {@link io.pushline.netty.PushServer}'s settings. Each
 * mirrors an option of the {@code pushline server} command and a setter of
 * {@link io.pushline.netty.PushServerBuilder}; the defaults are the library's. Values are checked when the server
 * is built, and a bad one fails the application's start with the property's name.
 *
 * @param enabled Whether to auto-configure a push server at all.
 * @param port TCP port to listen on; 0 picks a free one.
 * @param host Address to bind; every interface when not set.
 * @param protocol What a connection's frames mean: raw (pushes only, default topics) or commands (SUB, PUB...).
 * @param framing How frames are delimited: lines or length-prefixed.
 * @param maxFrameLength Longest frame, in either direction (at most 16MB).
 * @param defaultTopics Topics every raw client is subscribed to when it connects.
 * @param allowPublish Whether commands clients may publish with PUB, through the source to the broker.
 * @param source Which message source to create when the context has no MessageSource bean: auto (Redis when
 *     pushline-redis is on the class path and any spring.data.redis.* property is set, else in-memory), redis, or
 *     in-memory.
 * @param awaitSource Whether the application's start waits for the message source to reach its broker, and fails
 *     when it cannot; when false, the server serves at once, reports the source DOWN (health, metrics) and
 *     connects in the background, retrying with backoff.
 * @param eventLoopThreads Event loop threads of the server; the number of processors when not set.
 * @param nativeTransport Whether to use the native epoll transport when it is available (NIO otherwise).
 * @param limits Connection, buffer, rate and subscription limits.
 * @param timeouts Heartbeat, idle, frame, authentication, broker and shutdown timeouts.
 * @param tls TLS: served when a certificate is set.
 * @param history Per-topic history kept by the created source, and how much one resume may replay.
 * @param websocket WebSocket endpoint for browsers, on a port of its own: served when a port is set.
 */
@ConfigurationProperties("pushline")
public record PushlineProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5567") int port,
        String host,
        @DefaultValue("raw") Protocol protocol,
        @DefaultValue("lines") Framing.Kind framing,
        @DefaultValue("64KB") DataSize maxFrameLength,
        List<String> defaultTopics,
        @DefaultValue("false") boolean allowPublish,
        @DefaultValue("auto") SourceKind source,
        @DefaultValue("false") boolean awaitSource,
        Integer eventLoopThreads,
        @DefaultValue("true") boolean nativeTransport,
        @DefaultValue Limits limits,
        @DefaultValue Timeouts timeouts,
        @DefaultValue Tls tls,
        @DefaultValue History history,
        @DefaultValue WebSocket websocket) {

    /**
     * Copies the list of default topics, so that the record stays immutable.
     *
     * @param enabled see the type's description
     * @param port see the type's description
     * @param host see the type's description
     * @param protocol see the type's description
     * @param framing see the type's description
     * @param maxFrameLength see the type's description
     * @param defaultTopics see the type's description; null for none
     * @param allowPublish see the type's description
     * @param source see the type's description
     * @param awaitSource see the type's description
     * @param eventLoopThreads see the type's description
     * @param nativeTransport see the type's description
     * @param limits see the type's description
     * @param timeouts see the type's description
     * @param tls see the type's description
     * @param history see the type's description
     * @param websocket see the type's description
     */
    public PushlineProperties {
        defaultTopics = defaultTopics == null ? List.of() : List.copyOf(defaultTopics);
    }

    /** Which message source the starter creates when the context has no {@link io.pushline.MessageSource} bean. */
    public enum SourceKind {
        /** Redis when {@code pushline-redis} is on the class path and Boot's Redis is configured; else in-memory. */
        AUTO,
        /** Redis, from Boot's {@code spring.data.redis.*} settings (localhost:6379 when none is set). */
        REDIS,
        /** The in-memory source: the application publishes to the {@link io.pushline.InMemoryMessageSource} bean. */
        IN_MEMORY
    }

    /** Which TLS implementation serves {@code pushline.tls}. */
    public enum TlsProvider {
        /** OpenSSL (BoringSSL) when {@code netty-tcnative-boringssl-static} is on the class path, else the JDK's. */
        AUTO,
        /** OpenSSL (BoringSSL); fails the start when it is not available. */
        OPENSSL,
        /** The JDK's. */
        JDK
    }

    /**
     * The {@code pushline.limits.*} properties ({@link io.pushline.netty.ServerLimits}).
     *
     * @param maxQueued Hard outbound limit per connection: past it the slow-consumer policy applies at once.
     * @param softQueued Soft outbound limit per connection: a connection over it for longer than soft-queued-for is
     *     a slow consumer.
     * @param softQueuedFor How long a connection may stay over soft-queued; 0s makes it a hard limit.
     * @param slowConsumerPolicy What to do with a slow consumer: disconnect or drop.
     * @param maxConnections Most open connections.
     * @param maxConnectionsPerAddress Most open connections from one IP address (IPv6: one /64).
     * @param maxTopics Most topics one commands client may subscribe to.
     * @param maxPatterns Most patterns one commands client may subscribe to.
     * @param rateLimit Most frames per second each client may send.
     * @param byteRateLimit Most bytes per second each client may send.
     * @param ratePolicy What to do with a client over a rate limit: throttle or disconnect.
     */
    public record Limits(
            @DefaultValue("32MB") DataSize maxQueued,
            @DefaultValue("8MB") DataSize softQueued,
            @DefaultValue("60s") Duration softQueuedFor,
            @DefaultValue("disconnect") SlowConsumerPolicy slowConsumerPolicy,
            @DefaultValue("1000000") int maxConnections,
            @DefaultValue("1000") int maxConnectionsPerAddress,
            @DefaultValue("1024") int maxTopics,
            @DefaultValue("64") int maxPatterns,
            @DefaultValue("10000") int rateLimit,
            @DefaultValue("4MB") DataSize byteRateLimit,
            @DefaultValue("throttle") RateLimitPolicy ratePolicy) {
    }

    /**
     * The {@code pushline.timeouts.*} properties ({@link io.pushline.netty.ServerTimeouts}).
     *
     * @param heartbeat Heartbeat interval: a silent commands client gets PING.
     * @param idle Close clients that sent nothing for this long; when not set, 90s on commands and never on raw.
     * @param frame Longest time one inbound frame may take to arrive.
     * @param auth How long a client has to authenticate, when there is an Authenticator bean.
     * @param broker Longest wait for the broker to confirm a SUB or accept a PUB.
     * @param shutdown How long stopping the server lets queued writes drain; keep it below
     *     spring.lifecycle.timeout-per-shutdown-phase (30s by default).
     */
    public record Timeouts(
            @DefaultValue("30s") Duration heartbeat,
            Duration idle,
            @DefaultValue("10s") Duration frame,
            @DefaultValue("10s") Duration auth,
            @DefaultValue("5s") Duration broker,
            @DefaultValue("5s") Duration shutdown) {
    }

    /**
     * The {@code pushline.tls.*} properties ({@link io.pushline.netty.ServerTls}): TLS is served when
     * {@code certificate} is set.
     *
     * @param certificate The server's certificate chain, a PEM file.
     * @param privateKey The certificate's private key, a PKCS#8 PEM file.
     * @param clientCa Require client certificates issued by these CAs (mutual TLS), a PEM file.
     * @param provider TLS implementation: auto, openssl or jdk.
     */
    public record Tls(
            File certificate,
            File privateKey,
            File clientCa,
            @DefaultValue("auto") TlsProvider provider) {
    }

    /**
     * The {@code pushline.history.*} properties ({@link io.pushline.HistoryOptions}, and the replay limits of
     * {@link io.pushline.netty.ServerLimits}).
     *
     * @param enabled Whether the created source keeps history for every topic, so that commands clients resume
     *     after a reconnect (SUB ... FROM) or start with the latest messages (SUB ... LAST); with Redis, only
     *     messages published with positions get one.
     * @param size Most messages kept per topic.
     * @param ttl How long messages are kept after the topic's last publish.
     * @param metaTtl How long a topic's position counter outlives its last publish.
     * @param maxReplayMessages Most messages one resume replays; a client further behind is told its messages are
     *     lost.
     * @param maxReplayBytes Most payload bytes one resume replays.
     */
    public record History(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("1000") int size,
            @DefaultValue("10m") Duration ttl,
            @DefaultValue("1d") Duration metaTtl,
            @DefaultValue("1000") int maxReplayMessages,
            @DefaultValue("512KB") DataSize maxReplayBytes) {
    }

    /**
     * The {@code pushline.websocket.*} properties ({@link io.pushline.netty.ServerWebSocket}): the endpoint is served
     * when {@code port} is set, with the server's protocol, limits, authentication and TLS.
     *
     * @param port Port of the WebSocket endpoint; 0 picks a free one; none when not set.
     * @param path Path of the WebSocket endpoint.
     * @param allowedOrigins Origins whose pages may connect besides the endpoint's own, as scheme://host[:port].
     * @param allowAnyOrigin Whether pages of any origin may connect (turns the origin check off).
     * @param compression Whether to offer per-message deflate, bounded by the maximum frame length.
     * @param handshakeTimeout Longest time from the connection to the completed WebSocket upgrade.
     * @param javascriptClient Whether to serve the JavaScript client at /pushline.js.
     */
    public record WebSocket(
            Integer port,
            @DefaultValue("/ws") String path,
            List<String> allowedOrigins,
            @DefaultValue("false") boolean allowAnyOrigin,
            @DefaultValue("false") boolean compression,
            @DefaultValue("10s") Duration handshakeTimeout,
            @DefaultValue("false") boolean javascriptClient) {
        /**
         * Copies the list of origins, so that the record stays immutable.
         *
         * @param port see the type's description
         * @param path see the type's description
         * @param allowedOrigins see the type's description; null for none
         * @param allowAnyOrigin see the type's description
         * @param compression see the type's description
         * @param handshakeTimeout see the type's description
         * @param javascriptClient see the type's description
         */
        public WebSocket {
            allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        }
    }
}
