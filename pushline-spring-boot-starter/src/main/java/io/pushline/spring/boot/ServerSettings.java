package io.pushline.spring.boot;

import io.netty.handler.ssl.SslProvider;
import io.pushline.Framing;
import io.pushline.HistoryOptions;
import io.pushline.Protocol;
import io.pushline.netty.PushServerBuilder;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTimeouts;
import io.pushline.netty.ServerTls;
import io.pushline.netty.ServerWebSocket;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * Turns {@link PushlineProperties} into the library's option objects and builder calls. Every value is checked by
 * the library; a refused one is reported with the property's name and value, for example
 * {@code pushline.port=70000 is invalid: port: 70000 (expected: 0..65535)}.
 */
final class ServerSettings {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSettings.class);

    private ServerSettings() {
    }

    /** Applies every property to the builder (not the source, which is a bean of its own). */
    static PushServerBuilder apply(PushlineProperties p, PushServerBuilder b) {
        check("pushline.port", p.port(), () -> b.port(p.port()));
        if (p.host() != null) {
            check("pushline.host", p.host(), () -> b.host(p.host()));
        }
        b.protocol(p.protocol());
        b.framing(framing(p));
        check("pushline.default-topics", p.defaultTopics(),
                () -> b.defaultTopics(p.defaultTopics().toArray(new String[0])));
        if (p.protocol() == Protocol.COMMANDS && !p.defaultTopics().isEmpty()) {
            LOG.warn("pushline.default-topics={} has no effect with pushline.protocol=commands: commands clients "
                    + "subscribe with SUB", p.defaultTopics());
        }
        b.allowPublish(p.allowPublish());
        if (p.eventLoopThreads() != null) {
            check("pushline.event-loop-threads", p.eventLoopThreads(), () -> b.eventLoopThreads(p.eventLoopThreads()));
        }
        b.nativeTransport(p.nativeTransport());
        b.awaitSource(p.awaitSource());
        b.limits(limits(p));
        b.timeouts(timeouts(p));
        ServerTls tls = tls(p.tls());
        if (tls != null) {
            b.tls(tls);
        }
        ServerWebSocket webSocket = webSocket(p.websocket());
        if (webSocket != null) {
            b.webSocket(webSocket);
        }
        return b;
    }

    /** {@code pushline.websocket.*}: null when no port is set. */
    static ServerWebSocket webSocket(PushlineProperties.WebSocket w) {
        if (w.port() == null) {
            return null;
        }
        ServerWebSocket.Builder b = ServerWebSocket.builder();
        check("pushline.websocket.port", w.port(), () -> b.port(w.port()));
        check("pushline.websocket.path", w.path(), () -> b.path(w.path()));
        check("pushline.websocket.allowed-origins", w.allowedOrigins(),
                () -> b.allowedOrigins(w.allowedOrigins().toArray(new String[0])));
        if (w.allowAnyOrigin()) {
            b.allowAnyOrigin();
        }
        b.compression(w.compression());
        check("pushline.websocket.handshake-timeout", w.handshakeTimeout(),
                () -> b.handshakeTimeout(w.handshakeTimeout()));
        b.javaScriptClient(w.javascriptClient());
        return check("pushline.websocket", w.port(), b::build);
    }

    /** {@code pushline.framing} with {@code pushline.max-frame-length}. */
    static Framing framing(PushlineProperties p) {
        int max = bytes("pushline.max-frame-length", p.maxFrameLength());
        return check("pushline.max-frame-length", p.maxFrameLength(), () -> p.framing() == Framing.Kind.LINES
                ? Framing.lines(max) : Framing.lengthPrefixed(max));
    }

    /** {@code pushline.limits.*} and the replay limits of {@code pushline.history.*}. */
    static ServerLimits limits(PushlineProperties p) {
        PushlineProperties.Limits l = p.limits();
        ServerLimits.Builder b = ServerLimits.builder();
        check("pushline.limits.max-queued", l.maxQueued(),
                () -> b.maxQueuedBytes(bytes("pushline.limits.max-queued", l.maxQueued())));
        check("pushline.limits.soft-queued/soft-queued-for", l.softQueued() + "/" + l.softQueuedFor(),
                () -> b.softQueuedLimit(bytes("pushline.limits.soft-queued", l.softQueued()), l.softQueuedFor()));
        b.slowConsumerPolicy(l.slowConsumerPolicy());
        check("pushline.limits.max-connections", l.maxConnections(), () -> b.maxConnections(l.maxConnections()));
        check("pushline.limits.max-connections-per-address", l.maxConnectionsPerAddress(),
                () -> b.maxConnectionsPerAddress(l.maxConnectionsPerAddress()));
        check("pushline.limits.max-topics/max-patterns", l.maxTopics() + "/" + l.maxPatterns(),
                () -> b.maxSubscriptionsPerConnection(l.maxTopics(), l.maxPatterns()));
        check("pushline.limits.rate-limit", l.rateLimit(), () -> b.inboundRateLimit(l.rateLimit()));
        check("pushline.limits.byte-rate-limit", l.byteRateLimit(),
                () -> b.inboundByteRateLimit(bytes("pushline.limits.byte-rate-limit", l.byteRateLimit())));
        b.inboundRatePolicy(l.ratePolicy());
        PushlineProperties.History h = p.history();
        check("pushline.history.max-replay-messages/max-replay-bytes",
                h.maxReplayMessages() + "/" + h.maxReplayBytes(), () -> b.maxReplay(h.maxReplayMessages(),
                        bytes("pushline.history.max-replay-bytes", h.maxReplayBytes())));
        return b.build();
    }

    /** {@code pushline.timeouts.*}. */
    static ServerTimeouts timeouts(PushlineProperties p) {
        PushlineProperties.Timeouts t = p.timeouts();
        ServerTimeouts.Builder b = ServerTimeouts.builder();
        check("pushline.timeouts.heartbeat", t.heartbeat(), () -> b.heartbeatInterval(t.heartbeat()));
        if (t.idle() != null) {
            check("pushline.timeouts.idle", t.idle(), () -> b.idleTimeout(t.idle()));
        }
        check("pushline.timeouts.frame", t.frame(), () -> b.frameTimeout(t.frame()));
        check("pushline.timeouts.auth", t.auth(), () -> b.authTimeout(t.auth()));
        check("pushline.timeouts.broker", t.broker(), () -> b.brokerTimeout(t.broker()));
        check("pushline.timeouts.shutdown", t.shutdown(), () -> b.shutdownTimeout(t.shutdown()));
        return b.build();
    }

    /** {@code pushline.tls.*}: null when no certificate is set. */
    static ServerTls tls(PushlineProperties.Tls t) {
        if (t.certificate() == null && t.privateKey() == null) {
            if (t.clientCa() != null) {
                throw new PushlinePropertyException("pushline.tls.client-ca needs pushline.tls.certificate and "
                        + "pushline.tls.private-key");
            }
            return null;
        }
        if (t.certificate() == null || t.privateKey() == null) {
            throw new PushlinePropertyException("TLS needs both pushline.tls.certificate and pushline.tls.private-key");
        }
        ServerTls.Builder b = ServerTls.builder(t.certificate(), t.privateKey());
        b.provider(switch (t.provider()) {
            case AUTO -> null;
            case OPENSSL -> SslProvider.OPENSSL;
            case JDK -> SslProvider.JDK;
        });
        if (t.clientCa() != null) {
            b.clientAuth(t.clientCa());
        }
        return check("pushline.tls", t.certificate(), b::build);
    }

    /** {@code pushline.history.*}: null when history is off. */
    static HistoryOptions history(PushlineProperties.History h) {
        if (!h.enabled()) {
            return null;
        }
        HistoryOptions.Builder b = HistoryOptions.builder();
        check("pushline.history.size", h.size(), () -> b.size(h.size()));
        check("pushline.history.ttl", h.ttl(), () -> b.ttl(h.ttl()));
        check("pushline.history.meta-ttl", h.metaTtl(), () -> b.metaTtl(h.metaTtl()));
        return b.build();
    }

    private static int bytes(String property, DataSize size) {
        long bytes = size.toBytes();
        if (bytes > Integer.MAX_VALUE) {
            throw new PushlinePropertyException(property + "=" + size + " is invalid: at most "
                    + Integer.MAX_VALUE + " bytes");
        }
        return (int) bytes;
    }

    private static <T> T check(String property, Object value, Supplier<T> setter) {
        try {
            return setter.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            if (e instanceof PushlinePropertyException) {
                throw e;
            }
            throw new PushlinePropertyException(property + "=" + value + " is invalid: " + message, e);
        }
    }
}
