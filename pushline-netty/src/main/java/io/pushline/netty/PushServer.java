package io.pushline.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.pushline.Authenticator;
import io.pushline.Client;
import io.pushline.ClientFrameHandler;
import io.pushline.ClientHandlers;
import io.pushline.ClientRegistry;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.PushMetrics;
import io.pushline.PushlineException;
import io.pushline.RateLimitPolicy;
import io.pushline.SlowConsumerPolicy;
import io.pushline.SourceState;
import io.pushline.TopicAuthorizer;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import java.io.File;
import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A push server: accepts TCP connections and pushes every message from its {@link MessageSource} to the clients
 * subscribed to the message's topic, framed by its {@link Framing}.
 *
 * <pre>{@code
 * PushServer server = PushServer.builder()
 *         .port(5567)
 *         .source(RedisMessageSource.create("redis://localhost:6379"))
 *         .framing(Framing.lines())
 *         .defaultTopics("updates")
 *         .onClientFrame(ClientHandlers.echo())
 *         .build()
 *         .start();
 * // ...
 * server.close();
 * }</pre>
 *
 * <p><b>Fan-out.</b> Each message is framed once; each subscriber gets a retained duplicate of the same buffer.
 * Deliveries are grouped per event loop and each connection is flushed once per batch. Memory is bounded: each
 * connection by {@link Builder#maxQueuedBytes(int)}, and the deliveries waiting for an event loop by 32 MiB of
 * frames, past which new messages are shed for that loop's clients ({@link io.pushline.DropReason#SERVER_OVERLOADED})
 * rather than queued; the source is always read at full speed, so the broker never cuts the server off. Subscriptions at the
 * broker are reference-counted: a topic is subscribed while at least one client wants it.
 *
 * <p><b>Lifecycle.</b> {@link #start()} binds and starts the source; {@link #close()} stops accepting, lets
 * queued writes drain (up to the shutdown timeout), closes the clients, then closes the source (when the server
 * owns it) and the event loops (when the server created them). Thread-safe.
 */
public final class PushServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PushServer.class);

    /** File descriptors kept free under the open-file limit: for refusing, logging, the broker's connections. */
    static final int RESERVED_FILES = 64;

    private final ServerConfig config;
    private final Object lifecycle = new Object();
    private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();
    private EventLoopGroup group;
    private boolean ownsGroup;
    private Channel serverChannel;
    private ServerContext context;

    private PushServer(ServerConfig config) {
        this.config = config;
    }

    /**
     * Starts a builder with safe defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port, starts the source and begins accepting clients. Blocks until bound.
     *
     * @return this server
     * @throws IllegalStateException when already started or closed
     * @throws PushlineException when the port cannot be bound or the source cannot start
     */
    public PushServer start() {
        synchronized (lifecycle) {
            if (closing.get() != null) {
                throw new IllegalStateException("server is closed");
            }
            if (serverChannel != null) {
                throw new IllegalStateException("server already started");
            }
            Transport transport = Transport.choose(config.nativeTransport());
            ownsGroup = config.eventLoopGroup() == null;
            group = ownsGroup
                    ? new MultiThreadIoEventLoopGroup(config.eventLoopThreads(),
                            new DefaultThreadFactory("pushline-io", true), transport.ioHandlerFactory())
                    : config.eventLoopGroup();
            try {
                serverChannel = bind(transport);
            } catch (RuntimeException e) {
                if (ownsGroup) {
                    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
                }
                if (config.closeSource()) {
                    config.source().close();
                }
                throw e instanceof PushlineException ? e : new PushlineException(
                        "cannot start push server on " + address() + ": " + e.getMessage(), e);
            }
            LOG.info("push server listening on {} ({} transport, {} framing, {} protocol, {} event loops{})",
                    serverChannel.localAddress(), transport, config.framing(), config.protocol(),
                    context.registry().partitions(), config.sslContext() == null ? ""
                            : ", TLS by " + tlsImplementation(config.sslContext()));
            return this;
        }
    }

    private Channel bind(Transport transport) {
        ServerMetrics metrics = new ServerMetrics();
        PushListener listener = new SafeListener(config.listener());
        Map<EventLoop, Integer> partitions = new IdentityHashMap<>();
        List<Outbox> outboxes = new ArrayList<>();
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            partitions.put(loop, outboxes.size());
            outboxes.add(new Outbox(loop, alloc, metrics, listener));
        }
        ClientRegistry<NettyClient> registry = ClientRegistry.inMemory(outboxes.size(), NettyClient::partition);
        FanOut fanOut = new FanOut(registry, outboxes.toArray(new Outbox[0]), config.framing(), alloc, listener,
                config.protocol(), metrics);
        BrokerSubscriptions subscriptions = new BrokerSubscriptions(config.source(), registry);
        context = new ServerContext(config, listener, registry, subscriptions, fanOut,
                new ConnectionLimits(connectionLimit(config.maxConnections()), config.maxConnectionsPerAddress()),
                metrics);

        config.source().start(fanOut);
        int high = config.maxQueuedBytes();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(new PushChannelInitializer(context, partitions));
        ChannelFuture bound = bootstrap.bind(address()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new PushlineException("cannot bind " + address() + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        return bound.channel();
    }

    /** Which TLS implementation a context uses, for the start-up log line. */
    static String tlsImplementation(SslContext context) {
        return context instanceof io.netty.handler.ssl.ReferenceCountedOpenSslContext
                ? "OpenSSL (" + OpenSsl.versionString() + ")" : "the JDK";
    }

    /**
     * The TLS implementation to build a context with (also for {@link PushClient}): the one chosen, or OpenSSL when
     * it is available and the JDK's otherwise.
     *
     * @throws IllegalStateException when OpenSSL is chosen and not available
     */
    static SslProvider tlsProviderOrDefault(SslProvider chosen) {
        SslProvider provider = chosen != null ? chosen : OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        if (provider != SslProvider.JDK && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("tlsProvider " + provider + " is not available ("
                    + OpenSsl.unavailabilityCause() + "): add netty-tcnative-boringssl-static");
        }
        return provider;
    }

    /** The validated configuration (package-private: the JMH benchmarks build the fan-out pieces from it). */
    ServerConfig config() {
        return config;
    }

    /**
     * Caps the connection limit by what the process's open-file limit leaves room for, keeping
     * {@link #RESERVED_FILES} descriptors spare: a connection over the limit is then accepted, told
     * {@code -ERR too many connections} and closed, instead of failing in {@code accept()} and waiting in the
     * backlog for a descriptor.
     */
    private static int connectionLimit(int configured) {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os)) {
            return configured;
        }
        long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - RESERVED_FILES;
        if (room >= configured) {
            return configured;
        }
        int limit = (int) Math.max(1, room);
        LOG.info("holding at most {} connections: the open-file limit is {} and {} files are open ({} kept spare)",
                limit, os.getMaxFileDescriptorCount(), os.getOpenFileDescriptorCount(), RESERVED_FILES);
        return limit;
    }

    private InetSocketAddress address() {
        return config.host() == null ? new InetSocketAddress(config.port())
                : new InetSocketAddress(config.host(), config.port());
    }

    /**
     * Returns the port the server is bound to: the configured one, or the one the system picked for
     * {@code port(0)}.
     *
     * @return the bound port
     * @throws IllegalStateException when the server is not started
     */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * Returns the address the server is bound to.
     *
     * @return the bound address
     * @throws IllegalStateException when the server is not started
     */
    public InetSocketAddress localAddress() {
        synchronized (lifecycle) {
            if (serverChannel == null) {
                throw new IllegalStateException("server not started");
            }
            return (InetSocketAddress) serverChannel.localAddress();
        }
    }

    /**
     * Returns the message source this server reads from (the in-memory default when none was set).
     *
     * @return the source
     */
    public MessageSource source() {
        return config.source();
    }

    /**
     * Returns the health of the source's broker connection.
     *
     * @return the source's state
     */
    public SourceState sourceState() {
        return config.source().state();
    }

    /**
     * Returns a snapshot of the server's counters and gauges (for dashboards: see {@code pushline-micrometer}).
     *
     * @return the metrics since start; all zero before {@link #start()}
     */
    public PushMetrics metrics() {
        ServerContext ctx = context;
        if (ctx == null) {
            return new ServerMetrics().snapshot(0, 0, 0, config.source().state());
        }
        return ctx.metrics().snapshot(ctx.limits().open(), ctx.registry().topics().size(),
                ctx.registry().patterns().size(), config.source().state());
    }

    /**
     * Returns the number of open connections (those refused over the limits are not counted).
     *
     * @return the count
     */
    public int connectionCount() {
        ServerContext ctx = context;
        return ctx == null ? 0 : ctx.limits().open();
    }

    /**
     * Returns the connected clients.
     *
     * @return a weakly consistent, unmodifiable view; empty before {@link #start()}
     */
    public Collection<? extends Client> clients() {
        ServerContext ctx = context;
        return ctx == null ? List.of() : ctx.registry().clients();
    }

    /**
     * Returns the topics that have at least one subscribed client (and so are subscribed at the broker).
     *
     * @return an immutable snapshot
     */
    public Set<String> topics() {
        ServerContext ctx = context;
        return ctx == null ? Set.of() : ctx.registry().topics();
    }

    /**
     * Returns the patterns that have at least one subscribed client.
     *
     * @return an immutable snapshot
     */
    public Set<String> patterns() {
        ServerContext ctx = context;
        return ctx == null ? Set.of() : ctx.registry().patterns();
    }

    /**
     * Returns the topics a client is subscribed to.
     *
     * @param client a client of this server
     * @return an immutable snapshot; empty when the client is not connected to this server
     */
    public Set<String> topics(Client client) {
        ServerContext ctx = context;
        return ctx == null || !(client instanceof NettyClient) ? Set.of()
                : ctx.registry().topics((NettyClient) client);
    }

    /**
     * Returns how many messages could not be sent to anyone because the framing cannot carry them (a payload
     * with CR or LF on line framing, or longer than the maximum frame length).
     *
     * @return the count since start
     */
    public long unsendableMessages() {
        ServerContext ctx = context;
        return ctx == null ? 0 : ctx.fanOut().unframeableMessages();
    }

    /**
     * Closes the server gracefully, without blocking the caller. Idempotent: every call returns the same future.
     *
     * @return a future completed when everything the server owns is closed
     */
    public CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!closing.compareAndSet(null, done)) {
            return closing.get();
        }
        Thread closer = new Thread(() -> {
            try {
                doClose();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }, "pushline-close");
        closer.setDaemon(true);
        closer.start();
        return done;
    }

    /**
     * Closes the server gracefully and waits for it (bounded by the shutdown timeout plus a small margin).
     * Idempotent; throws nothing checked. Do not call it from an event loop thread; use {@link #closeAsync()}.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        try {
            done.get(config.shutdownTimeout().toMillis() * 3 + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("push server did not close cleanly", e);
        }
    }

    private void doClose() {
        Channel server;
        ServerContext ctx;
        synchronized (lifecycle) {
            server = serverChannel;
            ctx = context;
        }
        long timeoutMillis = config.shutdownTimeout().toMillis();
        if (server != null) {
            server.close().awaitUninterruptibly(timeoutMillis);
        }
        if (ctx != null) {
            ctx.fanOut().stop();
            if (config.closeSource()) {
                ctx.subscriptions().detach();
            }
            List<ChannelFuture> closed = new ArrayList<>();
            for (NettyClient client : ctx.registry().clients()) {
                // close after everything already queued has been flushed; commands clients are told why
                client.closeWith(config.protocol() == Protocol.COMMANDS ? "server shutting down" : null);
                closed.add(client.channel().closeFuture());
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            for (ChannelFuture f : closed) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (!f.awaitUninterruptibly(Math.max(left, 0))) {
                    f.channel().close();
                }
            }
        }
        if (config.closeSource() && ctx != null) {
            try {
                config.source().close();
            } catch (RuntimeException e) {
                LOG.warn("closing the message source failed", e);
            }
        }
        if (group != null && ownsGroup) {
            group.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMillis);
        }
        if (server != null) {
            LOG.info("push server on {} closed", server.localAddress());
        }
    }

    @Override
    public String toString() {
        Channel ch = serverChannel;
        return "PushServer[" + (ch == null ? address() : ch.localAddress()) + ", " + config.protocol() + ", "
                + config.framing() + "]";
    }

    /**
     * Configures a {@link PushServer}. Setters check their argument at once; {@link #build()} checks the rest.
     * Not thread-safe; the server it builds is.
     */
    public static final class Builder {
        /** The default port, the blog post's: 5567. */
        public static final int DEFAULT_PORT = 5567;
        /** The default outbound buffer limit per connection: 1 MiB. */
        public static final int DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
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
        /** The default heartbeat interval: 30 seconds. */
        public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
        /** The default idle timeout of {@code commands} connections: 90 seconds. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
        /** The default time a client has to authenticate when an authenticator is set: 10 seconds. */
        public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(10);
        /** The TLS versions the server accepts. */
        static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
        /** The default inbound rate limit per connection: 10,000 frames per second. */
        public static final int DEFAULT_INBOUND_RATE_LIMIT = 10_000;
        /** The default inbound byte rate limit per connection: 4 MiB per second. */
        public static final int DEFAULT_INBOUND_BYTE_RATE_LIMIT = 4 * 1024 * 1024;
        /** The default limit on topics one {@code commands} connection may subscribe to: 1,024. */
        public static final int DEFAULT_MAX_TOPICS_PER_CONNECTION = 1_024;
        /** The default limit on patterns one {@code commands} connection may subscribe to: 64. */
        public static final int DEFAULT_MAX_PATTERNS_PER_CONNECTION = 64;
        /** The default time one inbound frame may take to arrive once it started: 10 seconds. */
        public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);
        /** The default time the broker has to confirm a subscription or accept a publish: 5 seconds. */
        public static final Duration DEFAULT_BROKER_TIMEOUT = Duration.ofSeconds(5);
        /** The default policy over the inbound rate limit: throttle. */
        public static final RateLimitPolicy DEFAULT_INBOUND_RATE_POLICY = RateLimitPolicy.THROTTLE;
        /** The default time {@link PushServer#close()} lets queued writes drain: 5 seconds. */
        public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

        private String host;
        private int port = DEFAULT_PORT;
        private MessageSource source;
        private boolean closeSource = true;
        private Framing framing = Framing.lines();
        private Protocol protocol = Protocol.RAW;
        private boolean allowPublish;
        private Authenticator authenticator;
        private List<String> defaultTopics = List.of();
        private ClientFrameHandler frameHandler = ClientHandlers.ignore();
        private PushListener listener = PushListener.NONE;
        private int maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
        private SlowConsumerPolicy slowConsumerPolicy = DEFAULT_SLOW_CONSUMER_POLICY;
        private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
        private EventLoopGroup eventLoopGroup;
        private boolean nativeTransport = true;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration idleTimeout;
        private boolean idleTimeoutSet;
        private byte[] rawHeartbeat;
        private int inboundRateLimit = DEFAULT_INBOUND_RATE_LIMIT;
        private RateLimitPolicy inboundRatePolicy = DEFAULT_INBOUND_RATE_POLICY;
        private int inboundByteRateLimit = DEFAULT_INBOUND_BYTE_RATE_LIMIT;
        private int maxTopicsPerConnection = DEFAULT_MAX_TOPICS_PER_CONNECTION;
        private int maxPatternsPerConnection = DEFAULT_MAX_PATTERNS_PER_CONNECTION;
        private Duration frameTimeout = DEFAULT_FRAME_TIMEOUT;
        private Duration brokerTimeout = DEFAULT_BROKER_TIMEOUT;
        private SslContext sslContext;
        private SslProvider tlsProvider;
        private TopicAuthorizer authorizer = TopicAuthorizer.ALLOW_ALL;
        private Duration authTimeout = DEFAULT_AUTH_TIMEOUT;
        private File tlsCertChain;
        private File tlsKey;
        private File tlsTrustedClientCa;

        private Builder() {
        }

        /**
         * Sets the port to listen on; 0 picks a free one ({@link PushServer#port()} tells which).
         * Defaults to {@link #DEFAULT_PORT}.
         *
         * @param port 0 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            this.port = Checks.inRange(port, 0, 65_535, "port");
            return this;
        }

        /**
         * Sets the host or address to bind. Defaults to every interface.
         *
         * @param host a host name or address, for example {@code "127.0.0.1"}
         * @return this builder
         */
        public Builder host(String host) {
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
        public Builder source(MessageSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Sets whether {@link PushServer#close()} closes the source. Defaults to {@code true}.
         *
         * @param closeSource whether the server owns the source
         * @return this builder
         */
        public Builder closeSource(boolean closeSource) {
            this.closeSource = closeSource;
            return this;
        }

        /**
         * Sets the framing of every connection. Defaults to {@link Framing#lines()}.
         *
         * @param framing the framing, with its maximum frame length
         * @return this builder
         */
        public Builder framing(Framing framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /**
         * Sets the protocol. Defaults to {@link Protocol#RAW}.
         *
         * @param protocol the protocol
         * @return this builder
         */
        public Builder protocol(Protocol protocol) {
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
        public Builder allowPublish(boolean allowPublish) {
            this.allowPublish = allowPublish;
            return this;
        }

        /**
         * Requires clients to authenticate before anything else: {@code commands} clients with
         * {@code AUTH <token>}, {@code raw} clients with their first frame (the token), within the
         * {@link #authTimeout(Duration) auth timeout}. Until then a client gets no pushes. Defaults to none:
         * {@code AUTH} is accepted and has no effect.
         *
         * @param authenticator checks the tokens
         * @return this builder
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /**
         * Sets the topics every {@code raw} client is subscribed to when it connects. Defaults to none.
         *
         * @param topics valid topic names (see {@link Topics}), not {@link Topics#isReserved reserved}
         * @return this builder
         */
        public Builder defaultTopics(String... topics) {
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
         * Sets what happens to frames clients send. Defaults to {@link ClientHandlers#ignore()}.
         *
         * @param handler the handler; see {@link ClientFrameHandler} for threading
         * @return this builder
         */
        public Builder onClientFrame(ClientFrameHandler handler) {
            this.frameHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets the listener for server events. Defaults to {@link PushListener#NONE}.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(PushListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets the most bytes that may wait in one connection's outbound buffer before the slow-consumer policy
         * applies. Defaults to {@link #DEFAULT_MAX_QUEUED_BYTES}. A message is queued whenever the buffer is below
         * the limit, so one frame larger than the limit is still delivered (the buffer then exceeds the limit by
         * at most one frame) instead of being refused forever.
         *
         * @param maxQueuedBytes the limit, at least 1024
         * @return this builder
         */
        public Builder maxQueuedBytes(int maxQueuedBytes) {
            this.maxQueuedBytes = Checks.inRange(maxQueuedBytes, 1024, Integer.MAX_VALUE, "maxQueuedBytes");
            return this;
        }

        /**
         * Sets what happens to a client whose outbound buffer is full. Defaults to
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
         * Sets the number of event loop threads the server creates. Defaults to the number of processors.
         * Ignored when {@link #eventLoopGroup(EventLoopGroup)} is set.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder eventLoopThreads(int threads) {
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
        public Builder eventLoopGroup(EventLoopGroup group) {
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
        public Builder nativeTransport(boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
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
         * Sets the most connections from one remote IP address (an IPv6 /64 network counts as one address); more are
         * refused with {@code -ERR too many connections} and closed. Defaults to
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
         * Closes connections whose client sent nothing (not even {@code PONG}) for this long, which finds dead and
         * half-open peers. Defaults to {@link #DEFAULT_IDLE_TIMEOUT} for {@code commands} and to never for
         * {@code raw}, whose clients usually only listen. Must exceed the heartbeat interval.
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
         * Limits how many frames per second each client may send (a token bucket allowing bursts of one second's
         * worth), and what happens over the limit. Defaults to {@link #DEFAULT_INBOUND_RATE_LIMIT} and
         * {@link #DEFAULT_INBOUND_RATE_POLICY}.
         *
         * @param framesPerSecond at least 1
         * @param policy throttle (stop reading for a while) or disconnect
         * @return this builder
         */
        public Builder inboundRateLimit(int framesPerSecond, RateLimitPolicy policy) {
            this.inboundRateLimit = Checks.positive(framesPerSecond, "framesPerSecond");
            this.inboundRatePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Limits how many bytes per second each client may send, counted in frames (a token bucket allowing bursts
         * of one second's worth, and at least one frame of the maximum length); over it the
         * {@link #inboundRateLimit(int, RateLimitPolicy) rate policy} applies. Defaults to
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
         * Limits the topics and the patterns one {@code commands} client may hold; a {@code SUB} or {@code PSUB}
         * beyond either gets {@code -ERR too many subscriptions} and changes nothing. Defaults to
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
         * Sets who may subscribe to and publish on what. Defaults to {@link TopicAuthorizer#ALLOW_ALL}.
         *
         * @param authorizer decides each {@code SUB}, {@code PSUB}, {@code PUB} and {@code raw} default topic
         * @return this builder
         */
        public Builder authorizer(TopicAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /**
         * Sets how long a client has to authenticate when an {@link #authenticator(Authenticator) authenticator}
         * is set; a client still unauthenticated then gets {@code -ERR unauthorized} and is closed. Defaults to
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
         * Serves TLS with a host-made Netty {@link SslContext} (for example one with OpenSSL, or custom trust). Off
         * by default.
         *
         * @param sslContext a server context
         * @return this builder
         */
        public Builder tls(SslContext sslContext) {
            Objects.requireNonNull(sslContext, "sslContext");
            if (!sslContext.isServer()) {
                throw new IllegalArgumentException("sslContext: a client context (expected: a server context)");
            }
            this.sslContext = sslContext;
            return this;
        }

        /**
         * Serves TLS 1.2 and 1.3 with a PEM certificate chain and private key. Off by default.
         *
         * @param certChainPem the server's certificate chain, PEM
         * @param privateKeyPem its private key, PEM (PKCS#8)
         * @return this builder
         */
        public Builder tls(File certChainPem, File privateKeyPem) {
            this.tlsCertChain = Objects.requireNonNull(certChainPem, "certChainPem");
            this.tlsKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /**
         * Requires a client certificate signed by one of these CAs (mutual TLS); the verified subject is then
         * {@link Client#peerPrincipal()}. Needs {@link #tls(File, File)}.
         *
         * @param trustedCaPem the CA certificates clients' certificates must chain to, PEM
         * @return this builder
         */
        public Builder tlsClientAuth(File trustedCaPem) {
            this.tlsTrustedClientCa = Objects.requireNonNull(trustedCaPem, "trustedCaPem");
            return this;
        }

        /**
         * Chooses the TLS implementation for {@link #tls(File, File)}: {@link SslProvider#OPENSSL} (BoringSSL from
         * {@code netty-tcnative-boringssl-static}, which must then be on the class path) or {@link SslProvider#JDK}.
         * By default OpenSSL is used when it is available and the JDK's otherwise; the server logs which at start.
         *
         * @param provider the provider; null for the default
         * @return this builder
         */
        public Builder tlsProvider(SslProvider provider) {
            this.tlsProvider = provider;
            return this;
        }

        private SslContext buildSslContext() {
            if (sslContext != null) {
                if (tlsCertChain != null || tlsTrustedClientCa != null) {
                    throw new IllegalStateException("tls(SslContext) cannot be combined with PEM files");
                }
                return sslContext;
            }
            if (tlsCertChain == null) {
                if (tlsTrustedClientCa != null) {
                    throw new IllegalStateException("tlsClientAuth needs tls(certChainPem, privateKeyPem)");
                }
                return null;
            }
            try {
                SslContextBuilder b = SslContextBuilder.forServer(tlsCertChain, tlsKey).protocols(TLS_PROTOCOLS)
                        .sslProvider(tlsProviderOrDefault(tlsProvider));
                if (tlsTrustedClientCa != null) {
                    b.trustManager(tlsTrustedClientCa).clientAuth(ClientAuth.REQUIRE);
                }
                return b.build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("tls: cannot load " + tlsCertChain + " / " + tlsKey
                        + (tlsTrustedClientCa == null ? "" : " / " + tlsTrustedClientCa) + ": " + e.getMessage(), e);
            }
        }

        /**
         * Checks the settings together and builds the server (not yet started).
         *
         * @return the server
         * @throws IllegalStateException when the idle timeout does not exceed the heartbeat interval, TLS
         *     settings conflict, or {@link #tlsProvider(SslProvider)} chose OpenSSL and it is not available
         * @throws IllegalArgumentException when the TLS files cannot be loaded
         */
        public PushServer build() {
            Duration idle = idleTimeoutSet ? idleTimeout : protocol == Protocol.COMMANDS ? DEFAULT_IDLE_TIMEOUT : null;
            if (idle != null && idle.compareTo(heartbeatInterval) <= 0) {
                throw new IllegalStateException("idleTimeout (" + idle + ") must exceed heartbeatInterval ("
                        + heartbeatInterval + ")");
            }
            MessageSource src = source != null ? source : InMemoryMessageSource.create();
            return new PushServer(new ServerConfig(host, port, src, source == null || closeSource, framing,
                    protocol, allowPublish, authenticator, defaultTopics, frameHandler, listener, maxQueuedBytes,
                    slowConsumerPolicy,
                    eventLoopThreads, eventLoopGroup, nativeTransport, shutdownTimeout, maxConnections,
                    maxConnectionsPerAddress, heartbeatInterval, idle, rawHeartbeat, inboundRateLimit,
                    inboundRatePolicy, buildSslContext(), authorizer, authTimeout, inboundByteRateLimit,
                    maxTopicsPerConnection, maxPatternsPerConnection, frameTimeout, brokerTimeout));
        }
    }
}
