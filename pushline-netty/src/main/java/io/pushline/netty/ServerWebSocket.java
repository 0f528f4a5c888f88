package io.pushline.netty;

import io.pushline.internal.Checks;
import io.pushline.netty.internal.Origins;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A push server's WebSocket endpoint, for browsers: the same topics, protocol, limits, authentication and resume
 * as the TCP port, on a port of its own.
 *
 * <pre>{@code
 * PushServer.builder()
 *         .protocol(Protocol.COMMANDS)
 *         .webSocket(ServerWebSocket.builder().port(8080).allowedOrigins("https://app.example.com")
 *                 .javaScriptClient(true).build())
 * }</pre>
 *
 * <p>Each WebSocket message carries one protocol frame, without the TCP framing's CRLF or length prefix: a text
 * message when its bytes are valid UTF-8, a binary message otherwise; the server accepts both from clients. The
 * handshake is checked before anything is allocated for the connection: the path, the method, the {@code Origin}
 * against the allow-list (cross-site WebSocket hijacking), a deadline for the whole handshake, and request lines
 * and headers of bounded size. Messages longer than the framing's maximum frame length are refused from their
 * header (close code 1009), before their payload is buffered. Per-message deflate is off unless
 * {@linkplain Builder#compression(boolean) enabled}, and then bounded by the same maximum.
 *
 * <p>The port also serves small static files (a page, {@code pushline.js}) to plain HTTP {@code GET}s, so that a
 * page and its WebSocket share an origin. Immutable and thread-safe.
 */
public final class ServerWebSocket {
    /** The default path of the WebSocket endpoint: {@value}. */
    public static final String DEFAULT_PATH = "/ws";
    /** The path {@link Builder#javaScriptClient(boolean)} serves the JavaScript client at: {@value}. */
    public static final String JAVASCRIPT_CLIENT_PATH = "/pushline.js";
    /** The class-path resource of the JavaScript client, an ES module with no dependencies: {@value}. */
    public static final String JAVASCRIPT_CLIENT_RESOURCE = "io/pushline/netty/pushline.js";
    /** The default handshake deadline: 10 seconds from the connection to the completed upgrade. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** The most bytes of static files the port serves, in all: 4 MiB. */
    public static final int MAX_RESOURCE_BYTES = 4 << 20;

    private final int port;
    private final String path;
    private final Set<String> allowedOrigins;
    private final boolean anyOrigin;
    private final boolean compression;
    private final Duration handshakeTimeout;
    private final ServerTls tls;
    private final boolean plain;
    private final Map<String, Resource> resources;

    private ServerWebSocket(Builder b) {
        this.port = b.port;
        this.path = b.path;
        this.allowedOrigins = Set.copyOf(b.allowedOrigins);
        this.anyOrigin = b.anyOrigin;
        this.compression = b.compression;
        this.handshakeTimeout = b.handshakeTimeout;
        this.tls = b.tls;
        this.plain = b.plain;
        this.resources = Map.copyOf(b.resources);
    }

    /**
     * Starts the settings of a WebSocket endpoint.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the port to listen on; 0 for a free one ({@link PushServer#webSocketPort()} tells which).
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the path of the WebSocket endpoint.
     *
     * @return the path, starting with {@code /}
     */
    public String path() {
        return path;
    }

    /**
     * Returns the origins allowed besides the page's own (see {@link Builder#allowedOrigins(String...)}).
     *
     * @return normalized origins, {@code scheme://host[:port]}, lower case
     */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * Returns whether any origin is allowed ({@link Builder#allowAnyOrigin()}).
     *
     * @return whether the origin check is off
     */
    public boolean allowsAnyOrigin() {
        return anyOrigin;
    }

    /**
     * Returns whether per-message deflate is offered.
     *
     * @return whether compression is on
     */
    public boolean compression() {
        return compression;
    }

    /**
     * Returns the deadline from the connection to the completed upgrade.
     *
     * @return the handshake timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Returns the TLS of this port: its own, or empty for the server's (see {@link Builder#tls(ServerTls)}).
     *
     * @return the TLS settings of this port, when they differ from the TCP port's
     */
    public Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * Returns whether this port is plain (no TLS) even when the TCP port has TLS ({@link Builder#plain()}).
     *
     * @return whether TLS is off on this port
     */
    public boolean plain() {
        return plain;
    }

    /**
     * Returns the static files served to {@code GET} and {@code HEAD}, by path.
     *
     * @return the files
     */
    public Map<String, Resource> resources() {
        return resources;
    }

    /**
     * A static file the WebSocket port serves.
     *
     * @param contentType its {@code Content-Type}
     * @param body its bytes (not copied; do not change them)
     */
    public record Resource(String contentType, byte[] body) {
        /**
         * Checks the parts.
         *
         * @param contentType the content type
         * @param body the bytes
         */
        public Resource {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }
    }

    /** Builds {@link ServerWebSocket}. Setters check their argument at once. Not thread-safe. */
    public static final class Builder {
        private int port = 8080;
        private String path = DEFAULT_PATH;
        private final Set<String> allowedOrigins = new LinkedHashSet<>();
        private boolean anyOrigin;
        private boolean compression;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private ServerTls tls;
        private boolean plain;
        private final Map<String, Resource> resources = new LinkedHashMap<>();
        private long resourceBytes;

        private Builder() {
        }

        /**
         * Sets the port; 0 picks a free one. Defaults to 8080.
         *
         * @param port 0 to 65535, not the TCP port
         * @return this builder
         */
        public Builder port(int port) {
            this.port = Checks.inRange(port, 0, 65_535, "port");
            return this;
        }

        /**
         * Sets the path of the WebSocket endpoint. Defaults to {@value ServerWebSocket#DEFAULT_PATH}.
         *
         * @param path an absolute path, such as {@code /ws}
         * @return this builder
         */
        public Builder path(String path) {
            this.path = checkPath(path, "path");
            return this;
        }

        /**
         * Allows pages from these origins to connect, besides pages of the endpoint's own origin (the
         * {@code Origin} header naming the same host and port as the {@code Host} header), which are always
         * allowed. A handshake from any other origin gets {@code 403 Forbidden}: a page of another site cannot use
         * a visitor's cookies or network position to connect (cross-site WebSocket hijacking). A handshake without
         * an {@code Origin} header does not come from a browser and is allowed: a non-browser client can send any
         * header, so the origin check protects browsers' users, not the server. Authenticate clients with
         * {@code AUTH} regardless.
         *
         * @param origins {@code scheme://host[:port]}, such as {@code https://app.example.com}
         * @return this builder
         */
        public Builder allowedOrigins(String... origins) {
            for (String origin : origins) {
                allowedOrigins.add(normalizeOrigin(origin));
            }
            return this;
        }

        /**
         * Allows pages from any origin. Only for endpoints that carry nothing private, or whose clients all
         * authenticate with a token that a page of another site cannot have.
         *
         * @return this builder
         */
        public Builder allowAnyOrigin() {
            this.anyOrigin = true;
            return this;
        }

        /**
         * Offers per-message deflate (RFC 7692). Off by default: compression costs CPU per client for every
         * push, and inflating what clients send is bounded by the maximum frame length, so that a small
         * compressed message cannot grow into a large one (a decompression bomb).
         *
         * @param compression whether to offer compression
         * @return this builder
         */
        public Builder compression(boolean compression) {
            this.compression = compression;
            return this;
        }

        /**
         * Sets the deadline from the connection to the completed WebSocket upgrade (and for plain HTTP requests:
         * to the response). Defaults to {@link ServerWebSocket#DEFAULT_HANDSHAKE_TIMEOUT}.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Checks.positive(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Serves this port with its own TLS ({@code wss://}). By default the port has the server's TLS when the
         * server has one ({@link PushServerBuilder#tls(ServerTls)}), for example to require client certificates
         * on the TCP port but not from browsers.
         *
         * @param tls the TLS settings of this port
         * @return this builder
         */
        public Builder tls(ServerTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            this.plain = false;
            return this;
        }

        /**
         * Serves this port without TLS even when the TCP port has TLS, for example behind a reverse proxy that
         * ends TLS for browsers.
         *
         * @return this builder
         */
        public Builder plain() {
            this.plain = true;
            this.tls = null;
            return this;
        }

        /**
         * Serves a static file at {@code path} to {@code GET} and {@code HEAD}.
         *
         * @param path an absolute path, not the WebSocket path
         * @param contentType its {@code Content-Type}, such as {@code text/html; charset=utf-8}
         * @param body its bytes (not copied)
         * @return this builder
         * @throws IllegalArgumentException when the files would exceed {@link ServerWebSocket#MAX_RESOURCE_BYTES}
         */
        public Builder resource(String path, String contentType, byte[] body) {
            String p = checkPath(path, "resource path");
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
            Resource old = resources.get(p);
            long total = resourceBytes - (old == null ? 0 : old.body().length) + body.length;
            if (total > MAX_RESOURCE_BYTES) {
                throw new IllegalArgumentException("resource: " + p + " would make " + total
                        + " bytes of static files (expected: at most " + MAX_RESOURCE_BYTES + ")");
            }
            resources.put(p, new Resource(contentType, body));
            resourceBytes = total;
            return this;
        }

        /**
         * Serves the JavaScript client ({@link ServerWebSocket#JAVASCRIPT_CLIENT_RESOURCE}) at
         * {@value ServerWebSocket#JAVASCRIPT_CLIENT_PATH}, for pages to import. Off by default.
         *
         * @param serve whether to serve it
         * @return this builder
         */
        public Builder javaScriptClient(boolean serve) {
            if (serve) {
                resource(JAVASCRIPT_CLIENT_PATH, "text/javascript; charset=utf-8",
                        classPathResource(JAVASCRIPT_CLIENT_RESOURCE));
            } else {
                Resource removed = resources.remove(JAVASCRIPT_CLIENT_PATH);
                if (removed != null) {
                    resourceBytes -= removed.body().length;
                }
            }
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return the settings
         * @throws IllegalStateException when a static file is served at the WebSocket path
         */
        public ServerWebSocket build() {
            if (resources.containsKey(path)) {
                throw new IllegalStateException("resource " + path + " is the WebSocket path");
            }
            return new ServerWebSocket(this);
        }

        private static String checkPath(String path, String what) {
            Objects.requireNonNull(path, what);
            if (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.contains("..")
                    || path.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                throw new IllegalArgumentException(what + ": '" + path
                        + "' (expected: an absolute path of printable ASCII, without ?, # or ..)");
            }
            return path;
        }

        private static String normalizeOrigin(String origin) {
            Objects.requireNonNull(origin, "origin");
            String normalized = Origins.parse(origin);
            if (normalized == null) {
                throw new IllegalArgumentException("allowedOrigins: '" + origin
                        + "' (expected: scheme://host[:port], such as https://app.example.com)");
            }
            return normalized;
        }

        private static byte[] classPathResource(String name) {
            try (InputStream in = ServerWebSocket.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("class-path resource " + name + " is missing");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read class-path resource " + name, e);
            }
        }
    }
}
