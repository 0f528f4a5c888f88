package io.pushline.netty.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.netty.client.PushClient.State;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.Tls;
import io.pushline.netty.internal.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection state machine behind a {@link PushClient}: connects, authenticates, re-subscribes (resuming) what
 * the client remembers, reconnects with the {@link ReconnectPolicy}, and matches commands with replies. Everything
 * but the remembered subscriptions, the state and the close flag is confined to the client's event loop.
 */
final class ClientConnection {
    /**
     * The most commands written and not yet answered on one connection; more wait in the client. Half the
     * server's limit on unanswered commands (1024), so pipelining never gets a client disconnected.
     */
    static final int MAX_IN_FLIGHT = 512;
    /**
     * The most resumes ({@code SUB ... FROM}/{@code LAST}) written and not yet answered on one connection: the
     * server reads history for at most 16 at once per connection and answers more with an error.
     */
    static final int MAX_RESUMES_IN_FLIGHT = 16;

    private static final Logger LOG = LoggerFactory.getLogger(PushClient.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final PushClient client;
    private final String host;
    private final int port;
    private final Framing framing;
    private final Protocol protocol;
    private final Consumer<State> stateListener;
    private final ReconnectPolicy reconnectPolicy;
    private final int maxPendingCommands;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    /** Gives the token presented first on every connection; null without an authenticator. */
    private final Supplier<String> authTokens;
    /** Whether the token is fixed ({@code auth(String)}): a refusal then closes the client. */
    private final boolean fixedToken;

    /** What the client remembers to subscribe, on every connection. */
    final ClientSubscriptions subscriptions = new ClientSubscriptions(this);
    /** Where each subscribed topic is, and its resumes; every push passes through it. */
    final TopicPositions positions;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile State state = State.DISCONNECTED;
    /** Why the last connection attempt failed; null once connected. */
    private volatile Throwable lastFailure;

    // the rest is confined to the event loop
    private Channel authenticating;
    private Channel channel;
    private ClientHandler handler;
    private ChannelFuture connectAttempt;
    private ScheduledFuture<?> reconnectTask;
    private int attempts;
    private boolean closed;
    private final List<CompletableFuture<PushClient>> connectWaiters = new ArrayList<>();

    ClientConnection(PushClient client, PushClientBuilder b, SslContext sslContext, Consumer<Message> onMessage) {
        this.client = client;
        this.host = b.host;
        this.port = b.port;
        this.framing = b.framing;
        this.protocol = b.protocol;
        this.stateListener = b.stateListener;
        this.reconnectPolicy = b.reconnectPolicy;
        this.maxPendingCommands = b.maxPendingCommands;
        this.authTokens = b.authTokens;
        this.fixedToken = b.fixedToken;
        this.positions = new TopicPositions(this, subscriptions.topics, onMessage, b.resumeListener, b.positions);
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = ownsGroup ? Transport.choose(b.nativeTransport).newGroup(1, "pushline-client") : b.eventLoopGroup;
        this.loop = group.next();
        String name = client.toString();
        if (sslContext != null) {
            LOG.debug("{}: TLS by {}", name, Tls.implementation(sslContext));
        }
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transport.of(loop).socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (sslContext != null) { // the certificate must name the host
                            ch.pipeline().addLast("tls", Tls.clientHandler(sslContext, ch.alloc(), host, port, true));
                        }
                        ch.pipeline()
                                .addLast("frameDecoder", Frames.decoder(framing))
                                .addLast("protocol", new ClientHandler(name, framing, protocol, MAX_IN_FLIGHT,
                                        MAX_RESUMES_IN_FLIGHT, positions));
                    }
                });
    }

    State state() {
        return state;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    /** The current channel, on the loop; null when not connected. */
    Channel channel() {
        return channel;
    }

    EventLoop loop() {
        return loop;
    }

    Protocol protocol() {
        return protocol;
    }

    int pendingLimit() {
        return maxPendingCommands;
    }

    CompletableFuture<PushClient> connect() {
        CompletableFuture<PushClient> result = new CompletableFuture<>();
        execute(result, () -> {
            if (isConnected()) {
                result.complete(client);
                return;
            }
            connectWaiters.add(result);
            if (connectAttempt == null) {
                cancelReconnect();
                attemptConnect();
            }
        });
        return result;
    }

    CompletableFuture<Void> closeAsync() {
        if (!closing.compareAndSet(false, true)) {
            return closeFuture;
        }
        try {
            loop.execute(this::doClose);
        } catch (RejectedExecutionException e) {
            doClose(); // a borrowed group was shut down under the client: nothing runs there any more
        }
        return closeFuture;
    }

    void close() {
        CompletableFuture<Void> done = closeAsync();
        if (loop.inEventLoop()) {
            return;
        }
        try {
            done.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: did not close cleanly", this, e);
        }
    }

    /** The current connection, read on the client's loop (tests look at its pipeline); null when there is none. */
    Channel currentChannel() {
        return loop.submit(() -> channel).syncUninterruptibly().getNow();
    }

    /** Sends one raw frame (already checked) while connected. */
    CompletableFuture<Void> send(byte[] frame) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        execute(result, () -> {
            if (!isConnected()) {
                result.completeExceptionally(new PushlineException("not connected"));
                return;
            }
            channel.writeAndFlush(Frames.frame(channel.alloc(), framing, frame)).addListener(written -> {
                if (written.isSuccess()) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(new PushlineException("connection lost", written.cause()));
                }
            });
        });
        return result;
    }

    /** Sends one user command (publish, ping): only while connected, and within the pending limit. */
    <T> CompletableFuture<T> request(ClientCommand command, Function<String, T> result) {
        CompletableFuture<T> future = new CompletableFuture<>();
        execute(future, () -> {
            if (!isConnected()) {
                future.completeExceptionally(new PushlineException("not connected"));
            } else if (handler.pending() >= maxPendingCommands) {
                future.completeExceptionally(new PushlineException(
                        "too many commands waiting for a reply (limit " + maxPendingCommands + ")"));
            } else {
                ClientCommand.link(command.future(), future, result);
                write(command);
                channel.flush();
            }
        });
        return future;
    }

    void write(ClientCommand command) {
        channel.write(command).addListener(written -> {
            if (!written.isSuccess()) {
                command.fail(new PushlineException("connection lost", written.cause()));
            }
        });
    }

    /** Runs {@code task} on the loop, or fails {@code future} when the client is closed. */
    void execute(CompletableFuture<?> future, Runnable task) {
        if (closing.get()) {
            future.completeExceptionally(new IllegalStateException("client is closed"));
            return;
        }
        try {
            loop.execute(() -> {
                if (closed) {
                    future.completeExceptionally(new IllegalStateException("client is closed"));
                } else {
                    task.run();
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new IllegalStateException("client is closed: its event loop is shut down",
                    e));
        }
    }

    // ---- connection life, all on the loop

    boolean isConnected() {
        return channel != null && channel.isActive();
    }

    private void attemptConnect() {
        reconnectTask = null;
        setState(State.CONNECTING);
        ChannelFuture attempt = bootstrap.connect(host, port);
        connectAttempt = attempt;
        attempt.addListener((ChannelFutureListener) f -> {
            if (loop.inEventLoop()) {
                connected(f);
            } else {
                loop.execute(() -> connected(f));
            }
        });
    }

    private void connected(ChannelFuture attempt) {
        if (connectAttempt != attempt) {
            return;
        }
        connectAttempt = null;
        Channel ch = attempt.channel();
        if (closed) {
            ch.close();
            return;
        }
        if (!attempt.isSuccess() || !ch.isActive()) {
            Throwable cause = attempt.cause() != null ? attempt.cause() : new PushlineException("connection closed");
            connectFailed(cause);
            return;
        }
        String token = null;
        if (authTokens != null) {
            try {
                token = ClientCommand.checkToken(authTokens.get());
            } catch (RuntimeException e) {
                LOG.warn("{}: no token to authenticate with: {}", this, e.toString());
                ch.close();
                connectFailed(new PushlineException("no token to authenticate with: " + e.getMessage(), e));
                return;
            }
        }
        if (token != null && protocol == Protocol.COMMANDS) {
            // AUTH first; subscriptions and CONNECTED wait for its answer
            ClientCommand auth = ClientCommand.ok("AUTH", ClientCommand.utf8(token));
            authenticating = ch;
            ch.writeAndFlush(auth).addListener(written -> {
                if (!written.isSuccess()) {
                    auth.fail(new PushlineException("connection lost", written.cause()));
                }
            });
            auth.future().whenComplete((ok, error) -> {
                try {
                    loop.execute(() -> authenticated(ch, auth, error));
                } catch (RejectedExecutionException shutDown) {
                    ch.close();
                }
            });
            return;
        }
        if (token != null) {
            ch.writeAndFlush(Frames.frame(ch.alloc(), framing, ClientCommand.utf8(token))); // raw: the first frame
        }
        ready(ch);
    }

    /** On the loop: the answer to AUTH. */
    private void authenticated(Channel ch, ClientCommand auth, Throwable error) {
        if (authenticating != ch || closed) {
            ch.close();
            return;
        }
        authenticating = null;
        if (error == null && ch.isActive()) {
            ready(ch);
            return;
        }
        ch.close();
        if (!auth.refused()) {
            connectFailed(error != null ? error : new PushlineException("connection closed during AUTH"));
            return;
        }
        if (!fixedToken) {
            // the supplier may have a fresh token next time: reconnect as after any failed attempt
            LOG.warn("{}: the server refused the AUTH token: {}", this, error.getMessage());
            connectFailed(new PushlineException("authentication refused by " + host + ":" + port + ": "
                    + error.getMessage(), error));
            return;
        }
        LOG.error("{}: the server refused the AUTH token: {}; closing", this, error.getMessage());
        PushlineException refused = new PushlineException("authentication refused by " + host + ":" + port + ": "
                + error.getMessage(), error);
        ClientCommand.failAll(takeConnectWaiters(), refused);
        closeAsync();
    }

    /** On the loop: the connection is usable (authenticated when needed). */
    private void ready(Channel ch) {
        channel = ch;
        handler = ch.pipeline().get(ClientHandler.class);
        attempts = 0;
        lastFailure = null;
        LOG.info("{}: connected", this);
        subscriptions.resubscribe(); // first, so that commands sent from the state listener follow them
        setState(State.CONNECTED);
        takeConnectWaiters().forEach(f -> f.complete(client));
        // last: should the channel already be closed, this runs at once and reports DISCONNECTED after CONNECTED
        ch.closeFuture().addListener(f -> disconnected(ch));
    }

    private void connectFailed(Throwable cause) {
        lastFailure = cause;
        setState(State.DISCONNECTED);
        if (reconnectPolicy.isEnabled()) {
            scheduleReconnect(cause);
            return;
        }
        LOG.warn("{}: cannot connect: {}", this, cause.toString());
        PushlineException error = new PushlineException(
                "cannot connect to " + host + ":" + port + ": " + cause.getMessage(), cause);
        ClientCommand.failAll(takeConnectWaiters(), error);
    }

    /** The futures waiting for a connection, taken: they are answered by the caller (on the loop). */
    private List<CompletableFuture<PushClient>> takeConnectWaiters() {
        List<CompletableFuture<PushClient>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        return waiters;
    }

    private void disconnected(Channel ch) {
        if (channel != ch) {
            return; // closed by close(), which already cleaned up
        }
        channel = null;
        handler.failAll(new PushlineException("connection lost"));
        handler = null;
        LOG.info("{}: connection lost", this);
        setState(State.DISCONNECTED);
        if (reconnectPolicy.isEnabled()) {
            scheduleReconnect(null);
        }
    }

    private void scheduleReconnect(Throwable cause) {
        Duration delay = reconnectPolicy.delay(attempts, ThreadLocalRandom.current());
        if (attempts < Integer.MAX_VALUE) {
            attempts++;
        }
        if (cause != null) {
            LOG.debug("{}: connection attempt {} failed ({}); retrying in {} ms", this, attempts, cause,
                    delay.toMillis());
        }
        reconnectTask = loop.schedule(this::attemptConnect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelReconnect() {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
    }

    private void doClose() {
        closed = true;
        cancelReconnect();
        PushlineException cause = new PushlineException("client closed");
        if (connectAttempt != null) {
            connectAttempt.channel().close();
            connectAttempt = null;
        }
        if (authenticating != null) {
            authenticating.close();
            authenticating = null;
        }
        ClientCommand.failAll(takeConnectWaiters(), cause);
        subscriptions.close(cause);
        Channel ch = channel;
        channel = null;
        if (handler != null) {
            handler.failAll(cause);
            handler = null;
        }
        setState(State.CLOSED);
        if (ch == null) {
            finishClose();
        } else {
            ch.close().addListener(f -> finishClose());
        }
    }

    private void finishClose() {
        if (!ownsGroup) {
            closeFuture.complete(null);
            return;
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> {
            if (f.isSuccess()) {
                closeFuture.complete(null);
            } else {
                closeFuture.completeExceptionally(f.cause());
            }
        });
    }

    private void setState(State next) {
        if (state == next) {
            return;
        }
        state = next;
        try {
            stateListener.accept(next);
        } catch (RuntimeException e) {
            LOG.warn("{}: state listener failed on {}", this, next, e);
        }
    }

    @Override
    public String toString() {
        return client.toString();
    }
}
