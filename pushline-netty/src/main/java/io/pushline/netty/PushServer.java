package io.pushline.netty;

import io.pushline.Client;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.PushMetrics;
import io.pushline.PushlineException;
import io.pushline.SourceState;
import io.pushline.netty.internal.server.ServerConfig;
import io.pushline.netty.internal.server.ServerRuntime;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
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
 * connection by {@link ServerLimits#maxQueuedBytes()}, counting every byte queued for it, and the deliveries waiting
 * for an event loop by 32 MiB of frames, past which new messages are shed for that loop's clients
 * ({@link io.pushline.DropReason#SERVER_OVERLOADED}) rather than queued. Subscriptions at the broker are
 * reference-counted: a topic is subscribed while at least one client wants it.
 *
 * <p><b>Host control.</b> The host reaches each connection through {@link Client} ({@link #clients()},
 * {@link #client(String)}, {@link #clients(String)} by principal): it can subscribe and unsubscribe it
 * server-side ({@link Client#subscribe(String)}, for {@code raw} clients too), and disconnect it with a reason
 * ({@link Client#disconnect(String)}, or {@link #disconnect(String, String)} for every connection of a principal).
 *
 * <p><b>Lifecycle.</b> {@link #start()} starts the source and binds (or, with
 * {@link PushServerBuilder#awaitSource(boolean) awaitSource(false)}, binds and starts the source in the background,
 * so that the server serves while the broker is down); {@link #close()} stops accepting, lets
 * queued writes drain (up to the shutdown timeout), closes the clients, then closes the source (when the server
 * owns it) and the event loops (when the server created them). Thread-safe.
 */
public final class PushServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PushServer.class);

    private final ServerRuntime runtime;
    private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();

    private PushServer(ServerConfig config) {
        this.runtime = new ServerRuntime(config);
    }

    /** Called by {@link PushServerBuilder#build()}. */
    static PushServer create(ServerConfig config) {
        return new PushServer(config);
    }

    /**
     * Starts a builder with safe defaults.
     *
     * @return a new builder
     */
    public static PushServerBuilder builder() {
        return new PushServerBuilder();
    }

    /**
     * Binds the port, starts the source and begins accepting clients. Blocks until bound. By default it starts the
     * source first and fails when the source cannot reach its broker (fail fast); built with
     * {@link PushServerBuilder#awaitSource(boolean) awaitSource(false)}, it returns without waiting for the broker,
     * serves clients at once and starts the source in the background.
     *
     * @return this server
     * @throws IllegalStateException when already started or closed
     * @throws PushlineException when the port cannot be bound, or (unless {@code awaitSource(false)}) the source
     *     cannot start
     */
    public PushServer start() {
        runtime.start();
        return this;
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
     * Returns the port of the WebSocket endpoint ({@link PushServerBuilder#webSocket(ServerWebSocket)}): the
     * configured one, or the one the system picked for {@code port(0)}.
     *
     * @return the bound WebSocket port
     * @throws IllegalStateException when the server is not started or has no WebSocket port
     */
    public int webSocketPort() {
        return runtime.webSocketAddress().getPort();
    }

    /**
     * Returns the address the server is bound to.
     *
     * @return the bound address
     * @throws IllegalStateException when the server is not started
     */
    public InetSocketAddress localAddress() {
        return runtime.localAddress();
    }

    /**
     * Returns the message source this server reads from (the in-memory default when none was set).
     *
     * @return the source
     */
    public MessageSource source() {
        return runtime.config().source();
    }

    /**
     * Returns the health of the source's broker connection: {@link SourceState#DOWN} also while a source started
     * without waiting for its broker ({@link PushServerBuilder#awaitSource(boolean) awaitSource(false)}) has not
     * reached it yet.
     *
     * @return the source's state
     */
    public SourceState sourceState() {
        return runtime.sourceState();
    }

    /**
     * Returns a snapshot of the server's counters and gauges (for dashboards: see {@code pushline-micrometer}).
     * Callable from any thread.
     *
     * @return the metrics since start; all zero before {@link #start()}
     */
    public PushMetrics metrics() {
        return runtime.metrics();
    }

    /**
     * Returns the number of open connections (those refused over the limits are not counted).
     *
     * @return the count
     */
    public int connectionCount() {
        return runtime.connectionCount();
    }

    /**
     * Returns the connected clients.
     *
     * @return a weakly consistent, unmodifiable view; empty before {@link #start()}
     */
    public Collection<? extends Client> clients() {
        return runtime.clients();
    }

    /**
     * Finds a connected client by its id.
     *
     * @param id the client's id ({@link Client#id()})
     * @return the client, when it is connected
     */
    public Optional<Client> client(String id) {
        return runtime.client(Objects.requireNonNull(id, "id")).map(Client.class::cast);
    }

    /**
     * Returns the connections authenticated as {@code principal} ({@link Client#principal()}).
     *
     * @param principal the principal
     * @return a snapshot; empty when none is connected
     */
    public List<Client> clients(String principal) {
        return runtime.clients(Objects.requireNonNull(principal, "principal"));
    }

    /**
     * Disconnects every connection authenticated as {@code principal}; {@code commands} clients are told
     * {@code -ERR disconnected: <reason>} first (see {@link Client#disconnect(String)}).
     *
     * @param principal the principal
     * @param reason why, one line of text
     * @return how many connections are being closed
     */
    public int disconnect(String principal, String reason) {
        Objects.requireNonNull(reason, "reason");
        List<Client> found = clients(principal);
        found.forEach(c -> c.disconnect(reason));
        return found.size();
    }

    /**
     * Returns the topics that have at least one subscribed client (and so are subscribed at the broker).
     *
     * @return an immutable snapshot
     */
    public Set<String> topics() {
        return runtime.topics(null);
    }

    /**
     * Tells whether a topic is held by at least one client and its broker subscription is confirmed: from then on
     * every message published to it reaches the clients that hold it. Tests wait on it, for example until a
     * {@code raw} client's default topics are in place: {@code await().until(() -> server.isSubscribed("updates"))}.
     * Thread-safe.
     *
     * @param topic the topic
     * @return whether it is subscribed and confirmed
     */
    public boolean isSubscribed(String topic) {
        return runtime.isSubscribed(Objects.requireNonNull(topic, "topic"));
    }

    /**
     * Returns the patterns that have at least one subscribed client.
     *
     * @return an immutable snapshot
     */
    public Set<String> patterns() {
        return runtime.patterns();
    }

    /**
     * Returns the topics a client is subscribed to.
     *
     * @param client a client of this server
     * @return an immutable snapshot; empty when the client is not connected to this server
     */
    public Set<String> topics(Client client) {
        return runtime.topics(Objects.requireNonNull(client, "client"));
    }

    /**
     * Returns how many messages could not be sent to anyone because the framing cannot carry them (a payload
     * with CR or LF on line framing, or longer than the maximum frame length).
     *
     * @return the count since start
     */
    public long unsendableMessages() {
        return runtime.unsendableMessages();
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
                runtime.close();
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
            done.get(runtime.config().timeouts().shutdownTimeout().toMillis() * 3 + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("push server did not close cleanly", e);
        }
    }

    /** The machinery behind this facade, for tests in this package. */
    ServerRuntime runtime() {
        return runtime;
    }

    /** Describes the server by its address, protocol and framing. */
    @Override
    public String toString() {
        return runtime.toString();
    }
}
