package io.pushline.netty;

import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * What one client, and all of them together, may hold or send: the bounds that keep a server's memory and CPU
 * bounded whatever clients do. Every limit has a safe default; {@code SECURITY.md} says what happens at each.
 *
 * <pre>{@code
 * PushServer.builder().limits(ServerLimits.builder().maxQueuedBytes(16 * 1024 * 1024)
 *         .softQueuedLimit(2 * 1024 * 1024, Duration.ofSeconds(30))
 *         .slowConsumerPolicy(SlowConsumerPolicy.DROP).build())
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerLimits {
    /**
     * The default hard outbound limit per connection: 32 MiB, Redis's hard limit for a Pub/Sub subscriber. Past it
     * the slow-consumer policy applies at once. A broadcast shared by many clients is held once in memory, whatever
     * the number of clients queueing it.
     */
    public static final int DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024;
    /**
     * The default soft outbound limit per connection: 8 MiB, tolerated for {@link #DEFAULT_SOFT_QUEUED_DURATION}
     * (Redis's soft limit for a Pub/Sub subscriber).
     */
    public static final int DEFAULT_SOFT_QUEUED_BYTES = 8 * 1024 * 1024;
    /** How long a connection may stay over its soft outbound limit by default: 60 seconds, as in Redis. */
    public static final Duration DEFAULT_SOFT_QUEUED_DURATION = Duration.ofSeconds(60);
    /** The default slow-consumer policy: disconnect. */
    public static final SlowConsumerPolicy DEFAULT_SLOW_CONSUMER_POLICY = SlowConsumerPolicy.DISCONNECT;
    /** The default limit on open connections: 1,000,000 (the open-file limit usually binds first). */
    public static final int DEFAULT_MAX_CONNECTIONS = 1_000_000;
    /**
     * The default limit on open connections from one remote address (IPv4 address, or IPv6 /64 network): 1,000,
     * so that one address cannot take every slot. Connections of many users behind one NAT count together: raise
     * it for such a deployment.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
    /** The default inbound rate limit per connection: 10,000 frames per second. */
    public static final int DEFAULT_INBOUND_RATE_LIMIT = 10_000;
    /** The default inbound byte rate limit per connection: 4 MiB per second. */
    public static final int DEFAULT_INBOUND_BYTE_RATE_LIMIT = 4 * 1024 * 1024;
    /** The default policy over the inbound rate limits: throttle. */
    public static final RateLimitPolicy DEFAULT_INBOUND_RATE_POLICY = RateLimitPolicy.THROTTLE;
    /** The default limit on topics one {@code commands} connection may subscribe to: 1,024. */
    public static final int DEFAULT_MAX_TOPICS_PER_CONNECTION = 1_024;
    /** The default limit on patterns one {@code commands} connection may subscribe to: 64. */
    public static final int DEFAULT_MAX_PATTERNS_PER_CONNECTION = 64;

    /** The most messages one resume ({@code SUB ... FROM} or {@code LAST}) replays, by default. */
    public static final int DEFAULT_MAX_REPLAY_MESSAGES = 1_000;
    /**
     * The most payload bytes one resume replays, by default: 512 KiB, a sixteenth of the default soft outbound
     * limit, so that a replay alone never puts a client behind.
     */
    public static final int DEFAULT_MAX_REPLAY_BYTES = 512 * 1024;

    /** The defaults. */
    public static final ServerLimits DEFAULT = builder().build();

    private final int maxQueuedBytes;
    private final int softQueuedBytes;
    private final Duration softQueuedDuration;
    private final SlowConsumerPolicy slowConsumerPolicy;
    private final int maxConnections;
    private final int maxConnectionsPerAddress;
    private final int inboundRateLimit;
    private final int inboundByteRateLimit;
    private final RateLimitPolicy inboundRatePolicy;
    private final int maxTopicsPerConnection;
    private final int maxPatternsPerConnection;
    private final int maxReplayMessages;
    private final int maxReplayBytes;

    private ServerLimits(Builder b) {
        this.maxReplayMessages = b.maxReplayMessages;
        this.maxReplayBytes = b.maxReplayBytes;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.softQueuedBytes = b.softQueuedBytes;
        this.softQueuedDuration = b.softQueuedDuration;
        this.slowConsumerPolicy = b.slowConsumerPolicy;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.inboundRateLimit = b.inboundRateLimit;
        this.inboundByteRateLimit = b.inboundByteRateLimit;
        this.inboundRatePolicy = b.inboundRatePolicy;
        this.maxTopicsPerConnection = b.maxTopicsPerConnection;
        this.maxPatternsPerConnection = b.maxPatternsPerConnection;
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
     * Starts a builder with these limits, to change some of them.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder().maxQueuedBytes(maxQueuedBytes).softQueuedLimit(softQueuedBytes, softQueuedDuration)
                .slowConsumerPolicy(slowConsumerPolicy)
                .maxConnections(maxConnections).maxConnectionsPerAddress(maxConnectionsPerAddress)
                .inboundRateLimit(inboundRateLimit).inboundByteRateLimit(inboundByteRateLimit)
                .inboundRatePolicy(inboundRatePolicy)
                .maxSubscriptionsPerConnection(maxTopicsPerConnection, maxPatternsPerConnection)
                .maxReplay(maxReplayMessages, maxReplayBytes);
    }

    /**
     * Returns the hard outbound limit per connection: past it the slow-consumer policy applies at once.
     *
     * @return bytes
     */
    public int maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /**
     * Returns the soft outbound limit per connection: a connection that stays over it for longer than
     * {@link #softQueuedDuration()} is a slow consumer. It has no effect when it is not below
     * {@link #maxQueuedBytes()}.
     *
     * @return bytes
     */
    public int softQueuedBytes() {
        return softQueuedBytes;
    }

    /**
     * Returns how long a connection may stay over {@link #softQueuedBytes()} before the slow-consumer policy applies;
     * zero makes the soft limit a hard one.
     *
     * @return the duration
     */
    public Duration softQueuedDuration() {
        return softQueuedDuration;
    }

    /**
     * Returns the outbound level from which a connection counts as behind: the soft limit when it is below the hard
     * one, else the hard limit. Past it the server stops reading the connection's commands until it drained to half
     * of it.
     *
     * @return bytes
     */
    public int behindQueuedBytes() {
        return Math.min(softQueuedBytes, maxQueuedBytes);
    }

    /**
     * Returns what happens to a slow consumer.
     *
     * @return the policy
     */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return slowConsumerPolicy;
    }

    /**
     * Returns the most open connections.
     *
     * @return the limit
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * Returns the most open connections from one address.
     *
     * @return the limit
     */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /**
     * Returns the frames each client may send per second.
     *
     * @return the rate
     */
    public int inboundRateLimit() {
        return inboundRateLimit;
    }

    /**
     * Returns the bytes each client may send per second.
     *
     * @return the rate
     */
    public int inboundByteRateLimit() {
        return inboundByteRateLimit;
    }

    /**
     * Returns what happens over the inbound rates.
     *
     * @return the policy
     */
    public RateLimitPolicy inboundRatePolicy() {
        return inboundRatePolicy;
    }

    /**
     * Returns the most topics one {@code commands} client may hold.
     *
     * @return the limit
     */
    public int maxTopicsPerConnection() {
        return maxTopicsPerConnection;
    }

    /**
     * Returns the most patterns one {@code commands} client may hold.
     *
     * @return the limit
     */
    public int maxPatternsPerConnection() {
        return maxPatternsPerConnection;
    }

    /**
     * Returns the most messages one resume replays; a client further behind is told its messages are lost.
     *
     * @return the limit
     */
    public int maxReplayMessages() {
        return maxReplayMessages;
    }

    /**
     * Returns the most payload bytes one resume replays; a client further behind is told its messages are lost.
     *
     * @return the limit
     */
    public int maxReplayBytes() {
        return maxReplayBytes;
    }

    @Override
    public String toString() {
        return "ServerLimits[maxQueuedBytes=" + maxQueuedBytes + ", soft=" + softQueuedBytes + " for "
                + softQueuedDuration + ", " + slowConsumerPolicy + ", maxConnections="
                + maxConnections + ", perAddress=" + maxConnectionsPerAddress + ", inbound=" + inboundRateLimit
                + "/s and " + inboundByteRateLimit + " B/s (" + inboundRatePolicy + "), subscriptions="
                + maxTopicsPerConnection + " topics and " + maxPatternsPerConnection + " patterns, replay="
                + maxReplayMessages + " messages and " + maxReplayBytes + " B]";
    }

    /** Builds {@link ServerLimits}. Setters check their argument at once. Not thread-safe. */
    public static final class Builder {
        private int maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
        private int softQueuedBytes = DEFAULT_SOFT_QUEUED_BYTES;
        private Duration softQueuedDuration = DEFAULT_SOFT_QUEUED_DURATION;
        private SlowConsumerPolicy slowConsumerPolicy = DEFAULT_SLOW_CONSUMER_POLICY;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int inboundRateLimit = DEFAULT_INBOUND_RATE_LIMIT;
        private int inboundByteRateLimit = DEFAULT_INBOUND_BYTE_RATE_LIMIT;
        private RateLimitPolicy inboundRatePolicy = DEFAULT_INBOUND_RATE_POLICY;
        private int maxTopicsPerConnection = DEFAULT_MAX_TOPICS_PER_CONNECTION;
        private int maxPatternsPerConnection = DEFAULT_MAX_PATTERNS_PER_CONNECTION;
        private int maxReplayMessages = DEFAULT_MAX_REPLAY_MESSAGES;
        private int maxReplayBytes = DEFAULT_MAX_REPLAY_BYTES;

        private Builder() {
        }

        /**
         * Sets the hard outbound limit: the most bytes that may wait in one connection's outbound buffer (pushes,
         * replies, echoes, heartbeats alike, each write counted with a small fixed overhead) before the slow-consumer
         * policy applies, at once. Defaults to {@link #DEFAULT_MAX_QUEUED_BYTES}. A message is queued whenever the
         * buffer is below the limit, so one frame larger than the limit is still delivered (the buffer then exceeds
         * the limit by at most one frame) instead of being refused forever. Like Redis's
         * {@code client-output-buffer-limit}, it works with a soft limit: see {@link #softQueuedLimit}.
         *
         * @param maxQueuedBytes the limit, at least 1024
         * @return this builder
         */
        public Builder maxQueuedBytes(int maxQueuedBytes) {
            this.maxQueuedBytes = Checks.inRange(maxQueuedBytes, 1024, Integer.MAX_VALUE, "maxQueuedBytes");
            return this;
        }

        /**
         * Sets the soft outbound limit, Redis's {@code client-output-buffer-limit} soft limit and NATS's write
         * deadline in one: a connection whose outbound buffer stays over {@code bytes} for longer than
         * {@code heldFor} is a slow consumer (disconnected, or its pushes dropped until it drained to half of
         * {@code bytes}, as the policy says), while one that is only briefly behind gets everything, up to the hard
         * limit ({@link #maxQueuedBytes}). The time is checked whenever more is queued for the connection; a
         * connection that drains below half of {@code bytes} starts afresh. A {@code heldFor} of zero makes
         * {@code bytes} a hard limit; {@code bytes} at or above the hard limit leaves only the hard limit. Defaults
         * to {@link #DEFAULT_SOFT_QUEUED_BYTES} for {@link #DEFAULT_SOFT_QUEUED_DURATION}.
         *
         * @param bytes the soft limit, at least 1024
         * @param heldFor how long a connection may stay over it, zero or more
         * @return this builder
         */
        public Builder softQueuedLimit(int bytes, Duration heldFor) {
            this.softQueuedBytes = Checks.inRange(bytes, 1024, Integer.MAX_VALUE, "bytes");
            Objects.requireNonNull(heldFor, "heldFor");
            if (heldFor.isNegative()) {
                throw new IllegalArgumentException("heldFor: " + heldFor + " (expected: >= 0)");
            }
            this.softQueuedDuration = heldFor;
            return this;
        }

        /**
         * Sets what happens to a slow consumer (over the hard outbound limit, or over the soft one for too long):
         * disconnect it, or drop its pushes until it drained (its own commands then wait unread until the buffer
         * drained, since replies are never dropped). Defaults to
         * {@link #DEFAULT_SLOW_CONSUMER_POLICY}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder slowConsumerPolicy(SlowConsumerPolicy policy) {
            this.slowConsumerPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the most connections the server holds; more are refused with {@code -ERR too many connections}
         * and closed. Defaults to {@link #DEFAULT_MAX_CONNECTIONS}. Whatever the setting, the server holds no more
         * than the process's open-file limit leaves room for (minus 64 descriptors kept spare, counted at
         * start), so that it refuses cleanly instead of failing to accept.
         *
         * @param maxConnections at least 1
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = Checks.positive(maxConnections, "maxConnections");
            return this;
        }

        /**
         * Sets the most connections from one remote IP address (an IPv6 /64 network counts as one address); more
         * are refused with {@code -ERR too many connections} and closed. Defaults to
         * {@link #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}.
         *
         * @param maxConnectionsPerAddress at least 1
         * @return this builder
         */
        public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
            this.maxConnectionsPerAddress = Checks.positive(maxConnectionsPerAddress, "maxConnectionsPerAddress");
            return this;
        }

        /**
         * Limits how many frames per second each client may send (a token bucket allowing bursts of one second's
         * worth). Defaults to {@link #DEFAULT_INBOUND_RATE_LIMIT}.
         *
         * @param framesPerSecond at least 1
         * @return this builder
         */
        public Builder inboundRateLimit(int framesPerSecond) {
            this.inboundRateLimit = Checks.positive(framesPerSecond, "framesPerSecond");
            return this;
        }

        /**
         * Limits how many bytes per second each client may send, counted in frames (a token bucket allowing bursts
         * of one second's worth, and at least one frame of the maximum length). Defaults to
         * {@link #DEFAULT_INBOUND_BYTE_RATE_LIMIT}.
         *
         * @param bytesPerSecond at least 1
         * @return this builder
         */
        public Builder inboundByteRateLimit(int bytesPerSecond) {
            this.inboundByteRateLimit = Checks.positive(bytesPerSecond, "bytesPerSecond");
            return this;
        }

        /**
         * Sets what happens over either inbound rate: throttle (stop reading for a while; the client's TCP window
         * pushes back) or disconnect ({@code -ERR rate limit exceeded}). Defaults to
         * {@link #DEFAULT_INBOUND_RATE_POLICY}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder inboundRatePolicy(RateLimitPolicy policy) {
            this.inboundRatePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Limits the topics and the patterns one {@code commands} client may hold; a {@code SUB} or {@code PSUB}
         * beyond either gets {@code -ERR too many subscriptions} and changes nothing. Subscriptions the host makes
         * ({@code Client.subscribe}) are never refused by these limits, but they are held by the client like its
         * own, so they count towards the room left for its {@code SUB}s. Defaults to
         * {@link #DEFAULT_MAX_TOPICS_PER_CONNECTION} and {@link #DEFAULT_MAX_PATTERNS_PER_CONNECTION}.
         *
         * @param topics at least 1
         * @param patterns at least 0 (0 refuses every {@code PSUB})
         * @return this builder
         */
        public Builder maxSubscriptionsPerConnection(int topics, int patterns) {
            this.maxTopicsPerConnection = Checks.positive(topics, "topics");
            this.maxPatternsPerConnection = Checks.inRange(patterns, 0, Integer.MAX_VALUE, "patterns");
            return this;
        }

        /**
         * Limits what one resume replays: a {@code SUB <topic> FROM <position>} that would replay more messages or
         * payload bytes than this is answered {@code LOST} (recovery is all or nothing), and {@code SUB <topic>
         * LAST <n>} replays at most this many (the most recent ones). Replayed messages count against the
         * client's outbound bound like live ones. Defaults to {@link #DEFAULT_MAX_REPLAY_MESSAGES} and
         * {@link #DEFAULT_MAX_REPLAY_BYTES}.
         *
         * @param messages at least 1
         * @param bytes at least 1
         * @return this builder
         */
        public Builder maxReplay(int messages, int bytes) {
            this.maxReplayMessages = Checks.positive(messages, "messages");
            this.maxReplayBytes = Checks.positive(bytes, "bytes");
            return this;
        }

        /**
         * Builds the limits.
         *
         * @return the limits
         */
        public ServerLimits build() {
            return new ServerLimits(this);
        }
    }
}
