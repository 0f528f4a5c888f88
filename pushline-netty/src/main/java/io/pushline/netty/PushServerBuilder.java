package io.pushline.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pushline.Authenticator;
import io.pushline.ClientFrameHandler;
import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.TopicAuthorizer;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import io.pushline.netty.internal.server.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Configures a {@link PushServer}. Setters check their argument at once; {@link #build()} checks the rest.
 * The limits, timeouts and TLS are option groups of their own ({@link ServerLimits}, {@link ServerTimeouts},
 * {@link ServerTls}). Not thread-safe; the server it builds is.
 */
public final class PushServerBuilder {
    /** The default port: 5567. */
    public static final int DEFAULT_PORT = 5567;

    private String host;
    private int port = DEFAULT_PORT;
    private MessageSource source;
    private boolean closeSource = true;
    private Framing framing = Framing.lines();
    private Protocol protocol = Protocol.RAW;
    private boolean allowPublish;
    private Authenticator authenticator;
    private TopicAuthorizer authorizer = TopicAuthorizer.ALLOW_ALL;
    private List<String> defaultTopics = List.of();
    private ClientFrameHandler frameHandler = ClientHandlers.ignore();
    private PushListener listener = PushListener.NONE;
    private ServerLimits limits = ServerLimits.DEFAULT;
    private ServerTimeouts timeouts = ServerTimeouts.DEFAULT;
    private ServerTls tls;
    private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
    private EventLoopGroup eventLoopGroup;
    private boolean nativeTransport = true;
    private ServerWebSocket webSocket;
    private boolean awaitSource = true;

    PushServerBuilder() {
    }

    /**
     * Sets the port to listen on; 0 picks a free one ({@link PushServer#port()} tells which).
     * Defaults to {@link #DEFAULT_PORT}.
     *
     * @param port 0 to 65535
     * @return this builder
     */
    public PushServerBuilder port(int port) {
        this.port = Checks.inRange(port, 0, 65_535, "port");
        return this;
    }

    /**
     * Sets the host or address to bind. Defaults to every interface.
     *
     * @param host a host name or address, for example {@code "127.0.0.1"}
     * @return this builder
     */
    public PushServerBuilder host(String host) {
        this.host = Objects.requireNonNull(host, "host");
        return this;
    }

    /**
     * Sets the message source. The server starts it, and closes it on {@link PushServer#close()} unless
     * {@link #closeSource(boolean) closeSource(false)}. Defaults to a new {@link InMemoryMessageSource}.
     *
     * @param source the source; it must not be started yet
     * @return this builder
     */
    public PushServerBuilder source(MessageSource source) {
        this.source = Objects.requireNonNull(source, "source");
        return this;
    }

    /**
     * Sets whether {@link PushServer#close()} closes the source. Defaults to {@code true}.
     *
     * @param closeSource whether the server owns the source
     * @return this builder
     */
    public PushServerBuilder closeSource(boolean closeSource) {
        this.closeSource = closeSource;
        return this;
    }

    /**
     * Sets the framing of every connection. Defaults to {@link Framing#lines()}.
     *
     * @param framing the framing, with its maximum frame length
     * @return this builder
     */
    public PushServerBuilder framing(Framing framing) {
        this.framing = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /**
     * Sets the protocol. Defaults to {@link Protocol#RAW}.
     *
     * @param protocol the protocol
     * @return this builder
     */
    public PushServerBuilder protocol(Protocol protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return this;
    }

    /**
     * Sets whether {@code commands} clients may publish with {@code PUB}, through the source's
     * {@link MessageSource#publish publish} path to the broker. Defaults to {@code false}: {@code PUB} gets
     * {@code -ERR forbidden}.
     *
     * @param allowPublish whether clients may publish
     * @return this builder
     */
    public PushServerBuilder allowPublish(boolean allowPublish) {
        this.allowPublish = allowPublish;
        return this;
    }

    /**
     * Requires clients to authenticate before anything else: {@code commands} clients with
     * {@code AUTH <token>}, {@code raw} clients with their first frame (the token), within the auth timeout
     * ({@link ServerTimeouts#authTimeout()}). Until then a client gets no pushes. Defaults to none: {@code AUTH}
     * is accepted and has no effect.
     *
     * @param authenticator checks the tokens
     * @return this builder
     */
    public PushServerBuilder authenticator(Authenticator authenticator) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        return this;
    }

    /**
     * Sets who may subscribe to and publish on what. Defaults to {@link TopicAuthorizer#ALLOW_ALL}.
     *
     * @param authorizer decides each {@code SUB}, {@code PSUB}, {@code PUB} and {@code raw} default topic
     * @return this builder
     */
    public PushServerBuilder authorizer(TopicAuthorizer authorizer) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        return this;
    }

    /**
     * Sets the topics every {@code raw} client is subscribed to when it connects. Defaults to none.
     *
     * @param topics valid topic names (see {@link Topics}), not {@link Topics#isReserved reserved}
     * @return this builder
     */
    public PushServerBuilder defaultTopics(String... topics) {
        List<String> checked = new ArrayList<>();
        for (String topic : topics) {
            if (Topics.isReserved(Topics.validate(topic))) {
                throw new IllegalArgumentException("defaultTopics: '" + topic + "' (expected: not starting with '"
                        + Topics.RESERVED_PREFIX + "', which the server keeps for itself)");
            }
            checked.add(topic);
        }
        this.defaultTopics = List.copyOf(checked);
        return this;
    }

    /**
     * Sets what happens to frames {@code raw} clients send. Defaults to {@link ClientHandlers#ignore()}.
     *
     * @param handler the handler; see {@link ClientFrameHandler} for threading
     * @return this builder
     */
    public PushServerBuilder onClientFrame(ClientFrameHandler handler) {
        this.frameHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Sets the listener for server events. Defaults to {@link PushListener#NONE}.
     *
     * @param listener the listener
     * @return this builder
     */
    public PushServerBuilder listener(PushListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Sets the limits: connections, outbound bytes per connection and the slow-consumer policy, inbound rates,
     * subscriptions per connection. Defaults to {@link ServerLimits#DEFAULT}.
     *
     * @param limits the limits
     * @return this builder
     */
    public PushServerBuilder limits(ServerLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    /**
     * Changes some limits, keeping the others as they are so far:
     * {@code .limits(l -> l.maxQueuedBytes(4 << 20).slowConsumerPolicy(SlowConsumerPolicy.DROP))}.
     *
     * @param change adjusts a builder that starts from the current limits
     * @return this builder
     */
    public PushServerBuilder limits(Consumer<ServerLimits.Builder> change) {
        ServerLimits.Builder b = limits.toBuilder();
        change.accept(b);
        this.limits = b.build();
        return this;
    }

    /**
     * Sets the timeouts: heartbeats and idleness, the frame deadline, authentication, the broker, shutdown.
     * Defaults to {@link ServerTimeouts#DEFAULT}.
     *
     * @param timeouts the timeouts
     * @return this builder
     */
    public PushServerBuilder timeouts(ServerTimeouts timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        return this;
    }

    /**
     * Changes some timeouts, keeping the others as they are so far:
     * {@code .timeouts(t -> t.heartbeatInterval(Duration.ofSeconds(10)))}.
     *
     * @param change adjusts a builder that starts from the current timeouts
     * @return this builder
     */
    public PushServerBuilder timeouts(Consumer<ServerTimeouts.Builder> change) {
        ServerTimeouts.Builder b = timeouts.toBuilder();
        change.accept(b);
        this.timeouts = b.build();
        return this;
    }

    /**
     * Serves TLS. Off by default.
     *
     * @param tls the TLS settings
     * @return this builder
     */
    public PushServerBuilder tls(ServerTls tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        return this;
    }

    /**
     * Also serves WebSocket clients (browsers) on a port of their own, with the same protocol, topics, limits,
     * authentication and resume, and the same TLS unless {@code webSocket} says otherwise. Off by default.
     *
     * @param webSocket the WebSocket port's settings
     * @return this builder
     */
    public PushServerBuilder webSocket(ServerWebSocket webSocket) {
        this.webSocket = Objects.requireNonNull(webSocket, "webSocket");
        return this;
    }

    /**
     * Sets the number of event loop threads the server creates. Defaults to the number of processors.
     * Ignored when {@link #eventLoopGroup(EventLoopGroup)} is set.
     *
     * @param threads at least 1
     * @return this builder
     */
    public PushServerBuilder eventLoopThreads(int threads) {
        this.eventLoopThreads = Checks.positive(threads, "eventLoopThreads");
        return this;
    }

    /**
     * Runs the server on the host's event loop group instead of its own. The server never shuts it down. Its
     * transport must match: epoll loops with the native transport, NIO loops with
     * {@link #nativeTransport(boolean) nativeTransport(false)}.
     *
     * @param group the group
     * @return this builder
     */
    public PushServerBuilder eventLoopGroup(EventLoopGroup group) {
        this.eventLoopGroup = Objects.requireNonNull(group, "group");
        return this;
    }

    /**
     * Sets whether to use the native epoll transport when it is available. Defaults to {@code true}; NIO is
     * used otherwise.
     *
     * @param nativeTransport whether to prefer epoll
     * @return this builder
     */
    public PushServerBuilder nativeTransport(boolean nativeTransport) {
        this.nativeTransport = nativeTransport;
        return this;
    }

    /**
     * Sets whether {@link PushServer#start()} waits for the source to reach its broker. Defaults to {@code true}:
     * {@code start()} starts the source first (the Redis and NATS sources connect, bounded by their connect
     * timeout) and throws when it cannot, so a host finds out at once (fail fast).
     *
     * <p>With {@code false}, the server serves clients while the source starts in the background: the source is
     * started on a thread of its own ({@code pushline-source-start}), and when that fails (the broker is down, or
     * refuses the credentials) again and again, with a delay growing from 100 ms to 2 s with equal jitter, until it
     * starts or the server is closed. {@code start()} waits for the first attempt at most the broker timeout
     * ({@link ServerTimeouts#brokerTimeout()}, 5 s by default), so that with a reachable broker the source is up
     * when it returns, then binds and returns whatever the source's fate. Meanwhile:
     * <ul>
     *   <li>{@link PushServer#sourceState()} and {@link PushServer#metrics()} say {@link io.pushline.SourceState#DOWN
     *       DOWN}, and the listener's {@link PushListener#sourceStateChanged sourceStateChanged} is told
     *       {@code DOWN} once the first attempt failed (logged at WARN with its cause), then {@code UP} when the
     *       source started, both on the {@code pushline-source-start} thread;</li>
     *   <li>clients connect as usual; the topics and patterns they hold (a {@code raw} client's default topics, a
     *       {@code commands} client's {@code SUB}) are subscribed at the broker as soon as the source started, and
     *       messages flow from then on; a {@code SUB} not confirmed within the broker timeout
     *       ({@link ServerTimeouts#brokerTimeout()}) is answered {@code -ERR unavailable}, as during any outage;</li>
     *   <li>{@code PUB}, and {@code SUB} on a topic with history (which reads the topic's position first), are
     *       answered {@code -ERR} at once, as the source cannot serve them yet.</li>
     * </ul>
     * Once started, the source reconnects by itself after any later outage, in both modes. Choose {@code false} for
     * a relay run under a supervisor, where serving as soon as the broker is reachable beats exiting and being
     * restarted in a loop; keep the default where a broker that cannot be reached at start is a deployment error.
     *
     * @param awaitSource whether {@code start()} waits for the source and fails when it cannot start
     * @return this builder
     */
    public PushServerBuilder awaitSource(boolean awaitSource) {
        this.awaitSource = awaitSource;
        return this;
    }

    /**
     * Checks the settings together and builds the server (not yet started).
     *
     * @return the server
     * @throws IllegalStateException when the idle timeout does not exceed the heartbeat interval, or the WebSocket
     *     port is the TCP port
     */
    public PushServer build() {
        if (webSocket != null && webSocket.port() != 0 && webSocket.port() == port) {
            throw new IllegalStateException("webSocket port " + port + " is the TCP port (expected: another port)");
        }
        Duration idle = timeouts.idleTimeout(protocol).orElse(null);
        if (idle != null && idle.compareTo(timeouts.heartbeatInterval()) <= 0) {
            throw new IllegalStateException("idleTimeout (" + idle + ") must exceed heartbeatInterval ("
                    + timeouts.heartbeatInterval() + ")");
        }
        MessageSource src = source != null ? source : InMemoryMessageSource.create();
        return PushServer.create(new ServerConfig(host, port, src, source == null || closeSource, framing, protocol,
                allowPublish, authenticator, authorizer, defaultTopics, frameHandler, listener, limits, timeouts,
                tls == null ? null : tls.context(), eventLoopThreads, eventLoopGroup, nativeTransport, awaitSource,
                webSocket, webSocketSslContext()));
    }

    private SslContext webSocketSslContext() {
        if (webSocket == null || webSocket.plain()) {
            return null;
        }
        return webSocket.tls().map(ServerTls::context).orElse(tls == null ? null : tls.context());
    }
}
