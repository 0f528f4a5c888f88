package io.pushline.netty;

import io.pushline.Protocol;
import io.pushline.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long the server waits for what: heartbeats and the idle timeout (finding dead and half-open peers), the
 * frame deadline, authentication, the broker, and a graceful shutdown.
 *
 * <pre>{@code
 * PushServer.builder().timeouts(ServerTimeouts.builder().heartbeatInterval(Duration.ofSeconds(10))
 *         .idleTimeout(Duration.ofSeconds(30)).build())
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerTimeouts {
    /** The default heartbeat interval: 30 seconds. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    /** The default idle timeout of {@code commands} connections: 90 seconds ({@code raw}: none). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
    /** The default time one inbound frame may take to arrive once it started: 10 seconds. */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);
    /** The default time a client has to authenticate when an authenticator is set: 10 seconds. */
    public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(10);
    /** The default time the broker has to confirm a subscription or accept a publish: 5 seconds. */
    public static final Duration DEFAULT_BROKER_TIMEOUT = Duration.ofSeconds(5);
    /** The default time {@link PushServer#close()} lets queued writes drain: 5 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    /** The defaults. */
    public static final ServerTimeouts DEFAULT = builder().build();

    private final Duration heartbeatInterval;
    private final Duration idleTimeout;
    private final boolean idleTimeoutSet;
    private final byte[] rawHeartbeat;
    private final Duration frameTimeout;
    private final Duration authTimeout;
    private final Duration brokerTimeout;
    private final Duration shutdownTimeout;

    private ServerTimeouts(Builder b) {
        this.heartbeatInterval = b.heartbeatInterval;
        this.idleTimeout = b.idleTimeout;
        this.idleTimeoutSet = b.idleTimeoutSet;
        this.rawHeartbeat = b.rawHeartbeat;
        this.frameTimeout = b.frameTimeout;
        this.authTimeout = b.authTimeout;
        this.brokerTimeout = b.brokerTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
    }

    /**
     * Starts a builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a builder with these timeouts, to change some of them.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder().heartbeatInterval(heartbeatInterval).frameTimeout(frameTimeout)
                .authTimeout(authTimeout).brokerTimeout(brokerTimeout).shutdownTimeout(shutdownTimeout);
        if (idleTimeoutSet) {
            b.idleTimeout(idleTimeout);
        }
        if (rawHeartbeat != null) {
            b.rawHeartbeat(rawHeartbeat);
        }
        return b;
    }

    /**
     * Returns the heartbeat interval.
     *
     * @return the interval
     */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * Returns the idle timeout for a protocol: the one set, else {@link #DEFAULT_IDLE_TIMEOUT} on {@code commands}
     * and none on {@code raw}.
     *
     * @param protocol the server's protocol
     * @return the timeout, or empty for none
     */
    public Optional<Duration> idleTimeout(Protocol protocol) {
        if (idleTimeoutSet) {
            return Optional.ofNullable(idleTimeout);
        }
        return protocol == Protocol.COMMANDS ? Optional.of(DEFAULT_IDLE_TIMEOUT) : Optional.empty();
    }

    /**
     * Returns the frame sent to idle {@code raw} clients.
     *
     * @return a copy of the frame, or empty for none
     */
    public Optional<byte[]> rawHeartbeat() {
        return rawHeartbeat == null ? Optional.empty() : Optional.of(rawHeartbeat.clone());
    }

    /**
     * Returns how long one inbound frame may take to arrive.
     *
     * @return the deadline
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * Returns how long a client has to authenticate.
     *
     * @return the timeout
     */
    public Duration authTimeout() {
        return authTimeout;
    }

    /**
     * Returns how long the broker has to confirm a subscription or accept a publish.
     *
     * @return the timeout
     */
    public Duration brokerTimeout() {
        return brokerTimeout;
    }

    /**
     * Returns how long a graceful close lets queued writes drain.
     *
     * @return the timeout
     */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    @Override
    public String toString() {
        return "ServerTimeouts[heartbeat=" + heartbeatInterval + ", idle=" + (idleTimeoutSet ? idleTimeout
                : "by protocol") + ", frame=" + frameTimeout + ", auth=" + authTimeout + ", broker=" + brokerTimeout
                + ", shutdown=" + shutdownTimeout + "]";
    }

    /** Builds {@link ServerTimeouts}. Setters check their argument at once. Not thread-safe. */
    public static final class Builder {
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration idleTimeout;
        private boolean idleTimeoutSet;
        private byte[] rawHeartbeat;
        private Duration frameTimeout = DEFAULT_FRAME_TIMEOUT;
        private Duration authTimeout = DEFAULT_AUTH_TIMEOUT;
        private Duration brokerTimeout = DEFAULT_BROKER_TIMEOUT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

        private Builder() {
        }

        /**
         * Sets the heartbeat interval: a {@code commands} client silent for this long gets {@code PING} (and
         * answers {@code PONG}); a {@code raw} connection with a {@link #rawHeartbeat(byte[]) heartbeat frame}
         * gets it when nothing was written for this long. Defaults to {@link #DEFAULT_HEARTBEAT_INTERVAL}.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = Checks.positive(interval, "heartbeatInterval");
            return this;
        }

        /**
         * Closes connections whose client sent no complete frame (not even {@code PONG}) for this long, which
         * finds dead and half-open peers. Defaults to {@link #DEFAULT_IDLE_TIMEOUT} for {@code commands} and to never
         * for {@code raw}, whose clients usually only listen. Must exceed the heartbeat interval.
         *
         * @param timeout a positive duration, or null for never
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout == null ? null : Checks.positive(timeout, "idleTimeout");
            this.idleTimeoutSet = true;
            return this;
        }

        /**
         * Sends this frame to {@code raw} clients whenever nothing was written to them for a heartbeat interval,
         * so that dead peers are found and idle NAT mappings kept. Off by default.
         *
         * @param frame the heartbeat payload, for example an empty array (on line framing, an empty line)
         * @return this builder
         */
        public Builder rawHeartbeat(byte[] frame) {
            this.rawHeartbeat = Objects.requireNonNull(frame, "frame").clone();
            return this;
        }

        /**
         * Sets how long one inbound frame may take to arrive once its first byte came. A client that starts a frame
         * and does not finish it in time gets {@code -ERR frame timeout} and is closed
         * ({@link io.pushline.CloseReason#IDLE_TIMEOUT}): trickling bytes does not keep a connection alive. Defaults
         * to {@link #DEFAULT_FRAME_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = Checks.positive(timeout, "frameTimeout");
            return this;
        }

        /**
         * Sets how long a client has to authenticate when the server has an authenticator; a client still
         * unauthenticated then gets {@code -ERR unauthorized} and is closed. Defaults to
         * {@link #DEFAULT_AUTH_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder authTimeout(Duration timeout) {
            this.authTimeout = Checks.positive(timeout, "authTimeout");
            return this;
        }

        /**
         * Sets how long the broker has to confirm a client's {@code SUB} or {@code PSUB}, or to accept its
         * {@code PUB}. Past it the client gets {@code -ERR unavailable: ...} (a {@code SUB} is then undone; a
         * {@code PUB} may still be published later), and the commands it sent after it, which are answered in
         * order, are no longer held up. Defaults to {@link #DEFAULT_BROKER_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder brokerTimeout(Duration timeout) {
            this.brokerTimeout = Checks.positive(timeout, "brokerTimeout");
            return this;
        }

        /**
         * Sets how long {@link PushServer#close()} lets queued writes drain before it closes connections
         * forcibly. Defaults to {@link #DEFAULT_SHUTDOWN_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = Checks.positive(timeout, "shutdownTimeout");
            return this;
        }

        /**
         * Builds the timeouts. {@link PushServerBuilder#build()} checks that the idle timeout exceeds the
         * heartbeat interval, once the protocol is known.
         *
         * @return the timeouts
         */
        public ServerTimeouts build() {
            return new ServerTimeouts(this);
        }
    }
}
