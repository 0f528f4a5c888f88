package io.pushline.netty.internal.server;

import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushMetrics;
import io.pushline.PushlineException;
import io.pushline.SourceState;
import io.pushline.netty.internal.Tls;
import io.pushline.netty.internal.Transport;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A push server's running state and its start and close: what {@code PushServer} is a facade over. Started once,
 * closed once; the state it publishes ({@link #context()}) is safe to read from any thread (metrics gauges read it
 * from theirs).
 */
public final class ServerRuntime {
    /** File descriptors kept free under the open-file limit: for refusing, logging, the broker's connections. */
    static final int RESERVED_FILES = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ServerRuntime.class);

    private final ServerConfig config;
    /** The source the server talks to: the configured one, or the one standing in for it while it starts. */
    private final MessageSource source;
    private final Object lifecycle = new Object();
    /** Set once, under the lifecycle lock, when the server has started; read without it. */
    private volatile ServerContext context;
    private volatile Channel serverChannel;
    private volatile Channel webSocketChannel;
    private EventLoopGroup group;
    private boolean ownsGroup;
    private boolean closed;

    /**
     * Creates the runtime of a server, not started.
     *
     * @param config the server's settings
     */
    public ServerRuntime(ServerConfig config) {
        this.config = config;
        this.source = config.awaitSource() ? config.source()
                : new BackgroundSource(config.source(), config.brokerTimeout());
    }

    /**
     * Returns the settings.
     *
     * @return the configuration
     */
    public ServerConfig config() {
        return config;
    }

    /**
     * Returns the state of the source's broker connection ({@link SourceState#DOWN} while a source started in the
     * background has not reached its broker yet).
     *
     * @return the state
     */
    public SourceState sourceState() {
        return source.state();
    }

    /**
     * Starts the source (or, with {@code awaitSource(false)}, begins starting it in the background), binds and
     * accepts; blocks until bound.
     *
     * @throws IllegalStateException when already started or closed
     * @throws PushlineException when the port cannot be bound or the source cannot start
     */
    public void start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("server is closed");
            }
            if (serverChannel != null) {
                throw new IllegalStateException("server already started");
            }
            Transport transport = Transport.choose(config.nativeTransport());
            ownsGroup = config.eventLoopGroup() == null;
            group = ownsGroup ? transport.newGroup(config.eventLoopThreads(), "pushline-io") : config.eventLoopGroup();
            try {
                serverChannel = bind(transport);
            } catch (RuntimeException e) {
                Channel ws = webSocketChannel;
                if (ws != null) {
                    ws.close().awaitUninterruptibly();
                }
                if (ownsGroup) {
                    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
                }
                closeSource();
                throw e instanceof PushlineException ? e : new PushlineException(
                        "cannot start push server on " + address() + ": " + e.getMessage(), e);
            }
            LOG.info("push server listening on {} ({} transport, {} framing, {} protocol, {} event loops{})",
                    serverChannel.localAddress(), transport, config.framing(), config.protocol(),
                    context.registry().partitions(), config.sslContext() == null ? ""
                            : ", TLS by " + Tls.implementation(config.sslContext()));
            if (webSocketChannel != null) {
                LOG.info("WebSocket endpoint on {}{} path {}", webSocketChannel.localAddress(),
                        config.webSocketSslContext() == null ? "" : " (TLS)", config.webSocket().path());
            }
        }
    }

    private Channel bind(Transport transport) {
        ServerContext ctx = ServerContext.wire(config.withSource(source), group, new ConnectionLimits(
                connectionLimit(config.limits().maxConnections()), config.limits().maxConnectionsPerAddress()));
        source.start(ctx.sequencer());
        PushChannelInitializer tcp = new PushChannelInitializer(ctx);
        context = ctx;
        if (config.webSocket() != null) {
            // first, so that a TCP client never finds the server up while the WebSocket port fails to bind
            InetSocketAddress wsAddress = address(config.webSocket().port());
            webSocketChannel = bind(bootstrap(transport, new WebSocketChannelInitializer(ctx, tcp,
                    config.webSocketSslContext())), wsAddress);
        }
        return bind(bootstrap(transport, tcp), address());
    }

    private ServerBootstrap bootstrap(Transport transport, ChannelHandler initializer) {
        int high = config.limits().behindQueuedBytes(); // not writable: behind; policy per NettyClient.overLimit
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(initializer);
    }

    private static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address) {
        ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new PushlineException("cannot bind " + address + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        return bound.channel();
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
        return address(config.port());
    }

    private InetSocketAddress address(int port) {
        return config.host() == null ? new InetSocketAddress(port) : new InetSocketAddress(config.host(), port);
    }

    /**
     * Returns the bound address of the WebSocket port.
     *
     * @return the address
     * @throws IllegalStateException when not started, or without a WebSocket port
     */
    public InetSocketAddress webSocketAddress() {
        Channel ch = webSocketChannel;
        if (ch == null) {
            throw new IllegalStateException(config.webSocket() == null ? "server has no WebSocket port"
                    : "server not started");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /**
     * Returns the running state, or empty before start.
     *
     * @return the context
     */
    public Optional<ServerContext> context() {
        return Optional.ofNullable(context);
    }

    /**
     * Returns the bound address.
     *
     * @return the address
     * @throws IllegalStateException when not started
     */
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        if (ch == null) {
            throw new IllegalStateException("server not started");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /**
     * Returns a snapshot of the counters and gauges.
     *
     * @return the metrics; all zero before start
     */
    public PushMetrics metrics() {
        ServerContext ctx = context;
        if (ctx == null) {
            return new ServerMetrics().snapshot(0, 0, 0, source.state());
        }
        return ctx.metrics().snapshot(ctx.limits().open(), ctx.registry().topics().size(),
                ctx.registry().patterns().size(), source.state());
    }

    /**
     * Returns the open connections.
     *
     * @return the count
     */
    public int connectionCount() {
        ServerContext ctx = context;
        return ctx == null ? 0 : ctx.limits().open();
    }

    /**
     * Returns the registered clients.
     *
     * @return a weakly consistent view; empty before start
     */
    public Collection<NettyClient> clients() {
        ServerContext ctx = context;
        return ctx == null ? List.of() : ctx.registry().clients();
    }

    /**
     * Finds a client by id.
     *
     * @param id the id
     * @return the client, when connected
     */
    public Optional<NettyClient> client(String id) {
        ServerContext ctx = context;
        return ctx == null ? Optional.empty() : ctx.registry().client(id);
    }

    /**
     * Returns the connected clients authenticated as {@code principal}.
     *
     * @param principal the principal
     * @return a snapshot
     */
    public List<Client> clients(String principal) {
        List<Client> found = new ArrayList<>();
        for (NettyClient c : clients()) {
            if (c.principal().filter(principal::equals).isPresent()) {
                found.add(c);
            }
        }
        return found;
    }

    /**
     * Returns the topics with subscribers, or those of one client.
     *
     * @param client a client, or null for every topic
     * @return a snapshot
     */
    public Set<String> topics(Client client) {
        ServerContext ctx = context;
        if (ctx == null) {
            return Set.of();
        }
        if (client == null) {
            return ctx.registry().topics();
        }
        return client instanceof NettyClient ? ctx.registry().topics((NettyClient) client) : Set.of();
    }

    /** Whether a topic has subscribers and its broker subscription is confirmed. */
    public boolean isSubscribed(String topic) {
        ServerContext ctx = context;
        return ctx != null && ctx.subscriptions().isConfirmed(topic);
    }

    /**
     * Returns the patterns with subscribers.
     *
     * @return a snapshot
     */
    public Set<String> patterns() {
        ServerContext ctx = context;
        return ctx == null ? Set.of() : ctx.registry().patterns();
    }

    /**
     * Returns how many messages could not be framed for anyone.
     *
     * @return the count
     */
    public long unsendableMessages() {
        ServerContext ctx = context;
        return ctx == null ? 0 : ctx.fanOut().unframeableMessages();
    }

    /** Closes gracefully (see {@code PushServer.close()}), on the caller's thread; bounded by the timeouts. */
    public void close() {
        Channel server;
        ServerContext ctx;
        synchronized (lifecycle) {
            closed = true;
            server = serverChannel;
            ctx = context;
        }
        long timeoutMillis = config.shutdownTimeout().toMillis();
        if (server != null) {
            server.close().awaitUninterruptibly(timeoutMillis);
        }
        Channel ws = webSocketChannel;
        if (ws != null) {
            ws.close().awaitUninterruptibly(timeoutMillis);
        }
        if (ctx != null) {
            ctx.fanOut().stop();
            if (config.closeSource()) {
                ctx.subscriptions().detach();
            }
            List<ChannelFuture> closing = new ArrayList<>();
            for (NettyClient client : ctx.registry().clients()) {
                // close after everything already queued has been flushed; commands clients are told why
                client.closeWith(CloseReason.SERVER_SHUTDOWN,
                        config.protocol() == Protocol.COMMANDS ? "server shutting down" : null);
                closing.add(client.channel().closeFuture());
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            for (ChannelFuture f : closing) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (!f.awaitUninterruptibly(Math.max(left, 0))) {
                    f.channel().close();
                }
            }
        }
        if (ctx != null) {
            try {
                closeSource();
            } catch (RuntimeException e) {
                LOG.warn("closing the message source failed", e);
            }
        }
        EventLoopGroup g;
        synchronized (lifecycle) {
            g = ownsGroup ? group : null;
        }
        if (g != null) {
            g.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMillis);
            if (ctx != null && g.isTerminated()) {
                ctx.fanOut().discardQueued(); // a pass that was lingering at shutdown never ran
            }
        }
        if (server != null) {
            LOG.info("push server on {} closed", server.localAddress());
        }
    }

    /** Closes the source when the server owns it; always stops starting it in the background. */
    private void closeSource() {
        if (config.closeSource()) {
            source.close();
        } else if (source instanceof BackgroundSource background) {
            background.stop();
        }
    }

    /** Describes the server by its address, protocol and framing. */
    @Override
    public String toString() {
        Channel ch = serverChannel;
        return "PushServer[" + (ch == null ? address() : ch.localAddress()) + ", " + config.protocol() + ", "
                + config.framing() + "]";
    }
}
