package io.pushline.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java client for a {@link PushServer}: connects, subscribes, receives pushes, and reconnects by itself.
 *
 * <pre>{@code
 * PushClient client = PushClient.builder()
 *         .host("push.example.com")
 *         .port(5567)
 *         .onMessage(message -> System.out.println(message.topic() + ": " + message.payloadLength() + " bytes"))
 *         .build();
 * client.subscribe("updates");              // remembered; sent as soon as the connection is up
 * client.connect().join();
 * client.publish("updates", "hello".getBytes(StandardCharsets.UTF_8)).join();
 * // ...
 * client.close();
 * }</pre>
 *
 * <p><b>Protocols.</b> On {@link Protocol#COMMANDS} (the default) every request method sends one command and
 * returns a future completed by the server's reply, matched in order: {@code +OK} completes it, and
 * {@code -ERR <reason>} fails it with a {@link PushlineException} whose message is the reason. Pushes
 * ({@code MSG <topic> <id> <payload>}) go to the {@link Builder#onMessage(Consumer) message listener}. On
 * {@link Protocol#RAW} every frame the server sends goes to the listener as a message on {@link #RAW_TOPIC},
 * {@link #send(byte[])} sends a frame, and the command methods fail with {@link IllegalStateException}.
 *
 * <p><b>Subscriptions survive reconnects.</b> The client remembers the topics and patterns it was asked to
 * subscribe to (until they are unsubscribed, or the server refuses them) and sends {@code SUB}/{@code PSUB} for all
 * of them on every new connection, without user code. When the server answers {@code -ERR unavailable} (its broker
 * did not confirm in time) the future fails, but the subscription stays remembered and is asked for again a second
 * later. {@link #subscribe(String)} while disconnected is remembered
 * and its future completes when that subscription is confirmed on the next connection.
 * {@link #publish(String, byte[])} and {@link #ping()} while disconnected fail at once with
 * {@code PushlineException("not connected")}. When a connection drops, the futures of commands still waiting for
 * their reply fail with {@code PushlineException("connection lost")} (the subscriptions themselves stay remembered).
 *
 * <p><b>Reconnecting.</b> With a {@link ReconnectPolicy} other than {@link ReconnectPolicy#none()} (the default is
 * {@link ReconnectPolicy#DEFAULT}) a lost connection, or a failed attempt, is retried after an exponential
 * backoff with full jitter; the attempt counter starts again after each successful connection.
 *
 * <p><b>Argument errors</b> (an invalid topic, a payload line framing cannot carry, a frame over the limit) and
 * calls that make no sense on the protocol or after {@link #close()} fail the returned future with
 * {@link IllegalArgumentException} or {@link IllegalStateException}; only {@code null} arguments throw
 * ({@link NullPointerException}).
 *
 * <p><b>Threading.</b> Thread-safe: every method may be called from any thread. Each client runs on one event
 * loop thread: the listeners are called there, one at a time and in order, and the returned futures are completed
 * there, so dependent stages added without an executor also run there and must not block. Never wait for one of
 * these futures on that thread (in a listener, say): it would wait for itself.
 */
public final class PushClient implements AutoCloseable {
    /** The topic of every {@link Message} received on a {@link Protocol#RAW} connection: {@value}. */
    public static final String RAW_TOPIC = "raw";

    /**
     * The most commands written and not yet answered on one connection; more wait in the client. Half the
     * server's limit on unanswered commands (1024), so pipelining never gets a client disconnected.
     */
    static final int MAX_IN_FLIGHT = 512;

    private static final Logger LOG = LoggerFactory.getLogger(PushClient.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 5;
    /** How long after a {@code -ERR unavailable} reply a subscription is asked for again. */
    static final Duration RESUBSCRIBE_DELAY = Duration.ofSeconds(1);

    /**
     * The life of a client, reported in this order to the {@link Builder#onStateChange(Consumer) state listener}.
     */
    public enum State {
        /** A connection attempt is under way. */
        CONNECTING,
        /**
         * The TCP connection is up (and, with {@link Builder#auth(String)} on {@code commands}, the server accepted
         * the token). Remembered subscriptions have been written; their replies come later, like any other.
         */
        CONNECTED,
        /**
         * No connection: before {@link PushClient#connect()}, after a connection was lost or an attempt failed
         * (a new attempt follows when reconnecting is on).
         */
        DISCONNECTED,
        /** {@link PushClient#close()} was called; final. */
        CLOSED
    }

    private final String host;
    private final int port;
    private final Framing framing;
    private final Protocol protocol;
    private final SslContext sslContext;
    private final Consumer<Message> messageListener;
    private final Consumer<State> stateListener;
    private final ReconnectPolicy reconnectPolicy;
    private final int maxPendingCommands;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    /** Gives the token presented first on every connection; null without an authenticator. */
    private final Supplier<String> authTokens;
    /** Whether the token is fixed ({@link Builder#auth(String)}): a refusal then closes the client. */
    private final boolean fixedToken;
    /** Only touched on the loop: the connection waiting for its AUTH answer. */
    private Channel authenticating;

    /** The desired subscriptions: changed by the calling thread, read on the loop at every (re)connect. */
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Set<String> patterns = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile State state = State.DISCONNECTED;

    // the rest is confined to the event loop
    private Channel channel;
    private PushClientHandler handler;
    private ChannelFuture connectAttempt;
    private ScheduledFuture<?> reconnectTask;
    private int attempts;
    private boolean closed;
    private final List<CompletableFuture<PushClient>> connectWaiters = new ArrayList<>();
    private final Map<String, List<CompletableFuture<Void>>> waitingTopics = new HashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> waitingPatterns = new HashMap<>();

    private PushClient(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.framing = b.framing;
        this.protocol = b.protocol;
        this.sslContext = b.buildSslContext();
        if (sslContext != null) {
            LOG.debug("{}: TLS by {}", this, PushServer.tlsImplementation(sslContext));
        }
        this.messageListener = b.messageListener;
        this.stateListener = b.stateListener;
        this.reconnectPolicy = b.reconnectPolicy;
        this.maxPendingCommands = b.maxPendingCommands;
        this.authTokens = b.authTokens;
        this.fixedToken = b.fixedToken;
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = ownsGroup
                ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushline-client", true),
                        b.nativeTransport && Epoll.isAvailable() ? EpollIoHandler.newFactory()
                                : NioIoHandler.newFactory())
                : b.eventLoopGroup;
        this.loop = group.next();
        String name = toString();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (sslContext != null) {
                            SslHandler tls = sslContext.newHandler(ch.alloc(), host, port);
                            SSLParameters params = tls.engine().getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name host
                            tls.engine().setSSLParameters(params);
                            ch.pipeline().addLast("tls", tls);
                        }
                        ch.pipeline()
                                .addLast("frameDecoder", Frames.decoder(framing))
                                .addLast("protocol", new PushClientHandler(name, framing, protocol, MAX_IN_FLIGHT,
                                        messageListener));
                    }
                });
    }

    private static Class<? extends Channel> channelClass(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isIoType(EpollIoHandler.class)
                ? EpollSocketChannel.class : NioSocketChannel.class;
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
     * Connects, unless connected or connecting already. With reconnecting on, failed attempts are retried and the
     * future completes on the first success (it stays incomplete while the server is unreachable; add a timeout
     * with {@link CompletableFuture#orTimeout}); with {@link ReconnectPolicy#none()} a failed attempt fails it
     * with a {@link PushlineException}, and {@code connect()} may be called again. While the client waits to
     * retry, calling {@code connect()} tries at once.
     *
     * @return a future completed with this client once connected; failed with {@link IllegalStateException} after
     *     {@link #close()}, and with a {@link PushlineException} when the client is closed before connecting
     */
    public CompletableFuture<PushClient> connect() {
        CompletableFuture<PushClient> result = new CompletableFuture<>();
        execute(result, () -> {
            if (isConnected()) {
                result.complete(this);
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

    /**
     * Returns the client's state.
     *
     * @return the current state
     */
    public State state() {
        return state;
    }

    /**
     * Returns the topics the client is subscribed to, or will subscribe to on its next connection.
     *
     * @return an immutable snapshot
     */
    public Set<String> topics() {
        return Set.copyOf(topics);
    }

    /**
     * Returns the patterns the client is subscribed to, or will subscribe to on its next connection.
     *
     * @return an immutable snapshot
     */
    public Set<String> patterns() {
        return Set.copyOf(patterns);
    }

    /**
     * Subscribes to a topic ({@code SUB}), now or, while disconnected, on the next connection. The topic is
     * remembered and subscribed again on every reconnect, until {@link #unsubscribe(String)} or until the server
     * refuses it.
     *
     * @param topic a valid topic (see {@link Topics})
     * @return a future completed when the server confirmed the subscription; every message published after that
     *     reaches the listener
     */
    public CompletableFuture<Void> subscribe(String topic) {
        return subscribe(topic, false);
    }

    /**
     * Subscribes to a Redis glob pattern ({@code PSUB}), for example {@code news.*}; messages arrive with their
     * concrete topic. Remembered like {@link #subscribe(String)}.
     *
     * @param pattern a valid pattern (same rules as a topic, see {@link Topics})
     * @return a future completed when the server confirmed the subscription
     */
    public CompletableFuture<Void> psubscribe(String pattern) {
        return subscribe(pattern, true);
    }

    /**
     * Unsubscribes from a topic ({@code UNSUB}) and forgets it. While disconnected the future completes at once
     * (the next connection simply does not subscribe it), and a {@link #subscribe(String)} still waiting for a
     * connection fails.
     *
     * @param topic a valid topic (see {@link Topics})
     * @return a future completed when the server confirmed, or at once while disconnected
     */
    public CompletableFuture<Void> unsubscribe(String topic) {
        return unsubscribe(topic, false);
    }

    /**
     * Unsubscribes from a pattern ({@code PUNSUB}) and forgets it; see {@link #unsubscribe(String)}.
     *
     * @param pattern a valid pattern (see {@link Topics})
     * @return a future completed when the server confirmed, or at once while disconnected
     */
    public CompletableFuture<Void> punsubscribe(String pattern) {
        return unsubscribe(pattern, true);
    }

    /**
     * Publishes a message through the server ({@code PUB}). The server must allow client publishing; otherwise
     * the future fails with {@code PushlineException("forbidden")}.
     *
     * @param topic a valid topic (see {@link Topics})
     * @param payload the payload bytes, copied; on line framing they must not contain CR or LF
     * @return a future completed when the server accepted the message; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        CompletableFuture<Void> invalid = checkName(topic, false, "publish");
        if (invalid != null) {
            return invalid;
        }
        return request(PushClientCommand.ok("PUB", utf8(topic), payload.clone()), reply -> null);
    }

    /**
     * Sends {@code PING}.
     *
     * @return a future completed with the text of the server's {@code PONG}: {@code ""}; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<String> ping() {
        String problem = commandsOnly("ping");
        return problem != null ? CompletableFuture.failedFuture(new IllegalStateException(problem))
                : request(PushClientCommand.pong("PING"), Function.identity());
    }

    /**
     * Sends {@code PING <text>}.
     *
     * @param text the text the server echoes; on line framing it must not contain CR or LF
     * @return a future completed with the text of the server's {@code PONG}; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<String> ping(String text) {
        Objects.requireNonNull(text, "text");
        String problem = commandsOnly("ping");
        return problem != null ? CompletableFuture.failedFuture(new IllegalStateException(problem))
                : request(PushClientCommand.pong("PING", utf8(text)), Function.identity());
    }

    /**
     * Sends one raw frame; only on a {@link Protocol#RAW} connection (on {@code commands} every frame is a
     * command: use {@link #publish(String, byte[])}).
     *
     * @param frame the frame's bytes, copied; on line framing they must not contain CR or LF
     * @return a future completed when the frame was written to the socket; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<Void> send(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        if (protocol != Protocol.RAW) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "send is only available on a raw connection; on commands use publish"));
        }
        String problem = frameProblem(frame.length, Frames.containsLineBreak(frame));
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(problem));
        }
        byte[] copy = frame.clone();
        CompletableFuture<Void> result = new CompletableFuture<>();
        execute(result, () -> {
            if (!isConnected()) {
                result.completeExceptionally(new PushlineException("not connected"));
                return;
            }
            channel.writeAndFlush(Frames.frame(channel.alloc(), framing, copy)).addListener(written -> {
                if (written.isSuccess()) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(new PushlineException("connection lost", written.cause()));
                }
            });
        });
        return result;
    }

    /**
     * Closes the client without waiting: stops reconnecting, fails every waiting future with
     * {@code PushlineException("client closed")}, closes the connection, reports {@link State#CLOSED}, and shuts
     * down the event loop group when the client created it. Idempotent.
     *
     * @return a future completed when everything is closed; every call returns the same future
     */
    public CompletableFuture<Void> closeAsync() {
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

    /**
     * Closes the client (see {@link #closeAsync()}) and waits up to 5 seconds for it. Idempotent; throws nothing
     * checked. Called on the client's own event loop (from a listener, say) it does not wait.
     */
    @Override
    public void close() {
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

    /** Returns the server address, the protocol and the framing. */
    @Override
    public String toString() {
        return "PushClient[" + host + ":" + port + ", " + protocol + ", " + framing + "]";
    }

    // ---- requests

    private CompletableFuture<Void> subscribe(String name, boolean pattern) {
        CompletableFuture<Void> invalid = checkName(name, pattern, pattern ? "psubscribe" : "subscribe");
        if (invalid != null) {
            return invalid;
        }
        (pattern ? patterns : topics).add(name);
        CompletableFuture<Void> result = new CompletableFuture<>();
        execute(result, () -> {
            if (isConnected()) {
                sendSubscribe(name, pattern, List.of(result));
                channel.flush();
            } else if (!(pattern ? patterns : topics).contains(name)) {
                // unsubscribed from another thread in the meantime
                result.completeExceptionally(new PushlineException("unsubscribed before the subscription was sent"));
            } else {
                (pattern ? waitingPatterns : waitingTopics).computeIfAbsent(name, k -> new ArrayList<>())
                        .add(result);
            }
        });
        return result;
    }

    private CompletableFuture<Void> unsubscribe(String name, boolean pattern) {
        CompletableFuture<Void> invalid = checkName(name, pattern, pattern ? "punsubscribe" : "unsubscribe");
        if (invalid != null) {
            return invalid;
        }
        (pattern ? patterns : topics).remove(name);
        CompletableFuture<Void> result = new CompletableFuture<>();
        execute(result, () -> {
            List<CompletableFuture<Void>> waiting = (pattern ? waitingPatterns : waitingTopics).remove(name);
            if (waiting != null) {
                failAll(waiting, new PushlineException("unsubscribed before the subscription was sent"));
            }
            if (isConnected()) {
                PushClientCommand command = PushClientCommand.ok(pattern ? "PUNSUB" : "UNSUB", utf8(name));
                link(command.future(), result, reply -> null);
                write(command);
                channel.flush();
            } else {
                result.complete(null);
            }
        });
        return result;
    }

    /** Sends one user command (publish, ping): only while connected, and within the pending limit. */
    private <T> CompletableFuture<T> request(PushClientCommand command, Function<String, T> result) {
        String problem = frameProblem(command.frameLength(), command.containsLineBreak());
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(problem));
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        execute(future, () -> {
            if (!isConnected()) {
                future.completeExceptionally(new PushlineException("not connected"));
            } else if (handler.pending() >= maxPendingCommands) {
                future.completeExceptionally(new PushlineException(
                        "too many commands waiting for a reply (limit " + maxPendingCommands + ")"));
            } else {
                link(command.future(), future, result);
                write(command);
                channel.flush();
            }
        });
        return future;
    }

    /** On the loop, connected: writes SUB/PSUB (no flush) and completes {@code targets} with its reply. */
    private void sendSubscribe(String name, boolean pattern, List<CompletableFuture<Void>> targets) {
        PushClientCommand command = PushClientCommand.ok(pattern ? "PSUB" : "SUB", utf8(name));
        command.future().whenComplete((reply, error) -> {
            if (error == null) {
                targets.forEach(f -> f.complete(null));
                return;
            }
            if (command.refused() && error.getMessage() != null && error.getMessage().startsWith("unavailable")) {
                // the server's broker did not answer in time: keep it, and ask again in a moment
                Channel sentOn = channel;
                loop.schedule(() -> {
                    if (channel == sentOn && isConnected() && (pattern ? patterns : topics).contains(name)) {
                        sendSubscribe(name, pattern, List.of());
                        channel.flush();
                    }
                }, RESUBSCRIBE_DELAY.toNanos(), TimeUnit.NANOSECONDS);
                LOG.debug("{}: {} {} not confirmed yet ({}); asking again in {}", this, command.verb(), name,
                        error.getMessage(), RESUBSCRIBE_DELAY);
            } else if (command.refused()) {
                // the server will not have it: forget it, so that reconnects do not ask again
                (pattern ? patterns : topics).remove(name);
                if (targets.isEmpty()) {
                    LOG.warn("{}: server refused {} {}: {}", this, command.verb(), name, error.getMessage());
                }
            }
            failAll(targets, error);
        });
        write(command);
    }

    private void write(PushClientCommand command) {
        channel.write(command).addListener(written -> {
            if (!written.isSuccess()) {
                command.fail(new PushlineException("connection lost", written.cause()));
            }
        });
    }

    private String commandsOnly(String method) {
        return protocol == Protocol.COMMANDS ? null : method + " is not available on a raw connection";
    }

    private String frameProblem(int length, boolean lineBreak) {
        if (framing.kind() == Framing.Kind.LINES && lineBreak) {
            return "payload contains CR or LF, which line framing cannot carry (use Framing.lengthPrefixed())";
        }
        if (length > framing.maxFrameLength()) {
            return "frame too long: " + length + " bytes (expected: <= " + framing.maxFrameLength() + ")";
        }
        return null;
    }

    /** Returns a failed future when the call is not for this protocol or the name is invalid, else null. */
    private <T> CompletableFuture<T> checkName(String name, boolean pattern, String method) {
        String what = pattern ? "pattern" : "topic";
        Objects.requireNonNull(name, what);
        String problem = commandsOnly(method);
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(problem));
        }
        problem = Topics.problem(name);
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    what + ": '" + name + "' (" + problem.replace("topic", what) + ")"));
        }
        return null;
    }

    private static <T> void link(CompletableFuture<String> reply, CompletableFuture<T> target,
            Function<String, T> result) {
        reply.whenComplete((text, error) -> {
            if (error != null) {
                target.completeExceptionally(error);
            } else {
                target.complete(result.apply(text));
            }
        });
    }

    private static void failAll(List<? extends CompletableFuture<?>> futures, Throwable cause) {
        futures.forEach(f -> f.completeExceptionally(cause));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs {@code task} on the loop, or fails {@code future} when the client is closed. */
    private void execute(CompletableFuture<?> future, Runnable task) {
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

    private boolean isConnected() {
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
                token = checkToken(authTokens.get());
            } catch (RuntimeException e) {
                LOG.warn("{}: no token to authenticate with: {}", this, e.toString());
                ch.close();
                connectFailed(new PushlineException("no token to authenticate with: " + e.getMessage(), e));
                return;
            }
        }
        if (token != null && protocol == Protocol.COMMANDS) {
            // AUTH first; subscriptions and CONNECTED wait for its answer
            PushClientCommand auth = PushClientCommand.ok("AUTH", utf8(token));
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
            ch.writeAndFlush(Frames.frame(ch.alloc(), framing, utf8(token))); // raw: the first frame
        }
        ready(ch);
    }

    /** A token is one protocol argument: non-empty, no CR, LF or space. */
    private static String checkToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isEmpty() || token.chars().anyMatch(c -> c == '\r' || c == '\n' || c == ' ')) {
            throw new IllegalArgumentException("auth: the token must be non-empty, without CR, LF or spaces");
        }
        return token;
    }

    /** On the loop: the answer to AUTH. */
    private void authenticated(Channel ch, PushClientCommand auth, Throwable error) {
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
        List<CompletableFuture<PushClient>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        failAll(waiters, refused);
        closeAsync();
    }

    /** On the loop: the connection is usable (authenticated when needed). */
    private void ready(Channel ch) {
        channel = ch;
        handler = ch.pipeline().get(PushClientHandler.class);
        attempts = 0;
        LOG.info("{}: connected", this);
        resubscribe(); // first, so that commands sent from the state listener follow them
        setState(State.CONNECTED);
        List<CompletableFuture<PushClient>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(f -> f.complete(this));
        // last: should the channel already be closed, this runs at once and reports DISCONNECTED after CONNECTED
        ch.closeFuture().addListener(f -> disconnected(ch));
    }

    private void connectFailed(Throwable cause) {
        setState(State.DISCONNECTED);
        if (reconnectPolicy.isEnabled()) {
            scheduleReconnect(cause);
            return;
        }
        LOG.warn("{}: cannot connect: {}", this, cause.toString());
        PushlineException error = new PushlineException(
                "cannot connect to " + host + ":" + port + ": " + cause.getMessage(), cause);
        List<CompletableFuture<PushClient>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        failAll(waiters, error);
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

    /** Sends SUB and PSUB for every remembered subscription, completing the futures waiting for a connection. */
    private void resubscribe() {
        if (protocol != Protocol.COMMANDS) {
            return;
        }
        int sent = 0;
        for (String topic : topics) {
            List<CompletableFuture<Void>> waiting = waitingTopics.remove(topic);
            sendSubscribe(topic, false, waiting == null ? List.of() : waiting);
            sent++;
        }
        for (String pattern : patterns) {
            List<CompletableFuture<Void>> waiting = waitingPatterns.remove(pattern);
            sendSubscribe(pattern, true, waiting == null ? List.of() : waiting);
            sent++;
        }
        // left over: unsubscribed from another thread while their subscribe call was on its way to the loop
        PushlineException gone = new PushlineException("unsubscribed before the subscription was sent");
        waitingTopics.values().forEach(waiting -> failAll(waiting, gone));
        waitingTopics.clear();
        waitingPatterns.values().forEach(waiting -> failAll(waiting, gone));
        waitingPatterns.clear();
        if (sent > 0) {
            channel.flush();
            LOG.debug("{}: subscribed {} remembered topics and patterns", this, sent);
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
        failAll(connectWaiters, cause);
        connectWaiters.clear();
        waitingTopics.values().forEach(waiting -> failAll(waiting, cause));
        waitingTopics.clear();
        waitingPatterns.values().forEach(waiting -> failAll(waiting, cause));
        waitingPatterns.clear();
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

    /**
     * When and how a {@link PushClient} reconnects: {@link #exponential(Duration, Duration) exponential backoff
     * with full jitter}, or {@link #none() never}. Immutable and thread-safe.
     */
    public static final class ReconnectPolicy {
        /** The longest {@code max} delay accepted: one day. */
        public static final Duration MAX_DELAY = Duration.ofDays(1);

        /** Exponential backoff with full jitter from 100 ms up to 10 s: the default. */
        public static final ReconnectPolicy DEFAULT = exponential(Duration.ofMillis(100), Duration.ofSeconds(10));

        private static final ReconnectPolicy NONE = new ReconnectPolicy(0, 0);

        private final long baseNanos;
        private final long maxNanos;

        private ReconnectPolicy(long baseNanos, long maxNanos) {
            this.baseNanos = baseNanos;
            this.maxNanos = maxNanos;
        }

        /**
         * Exponential backoff with full jitter: before attempt {@code n} (counted from 0, and from 0 again after
         * each successful connection) the client waits a random time in {@code [0, min(max, base * 2^n)]}, so that
         * many clients that lost the same server do not all come back at once.
         *
         * @param base the ceiling of the first delay; positive
         * @param max the largest ceiling; at least {@code base}, at most {@link #MAX_DELAY}
         * @return the policy
         */
        public static ReconnectPolicy exponential(Duration base, Duration max) {
            Checks.positive(base, "base");
            Objects.requireNonNull(max, "max");
            if (max.compareTo(base) < 0 || max.compareTo(MAX_DELAY) > 0) {
                throw new IllegalArgumentException(
                        "max: " + max + " (expected: " + base + ".." + MAX_DELAY + ")");
            }
            return new ReconnectPolicy(base.toNanos(), max.toNanos());
        }

        /**
         * Never reconnects: a lost connection stays lost until {@link PushClient#connect()} is called again.
         *
         * @return the policy
         */
        public static ReconnectPolicy none() {
            return NONE;
        }

        /**
         * Tells whether the client reconnects.
         *
         * @return {@code false} for {@link #none()}
         */
        public boolean isEnabled() {
            return maxNanos > 0;
        }

        /**
         * Picks the delay before a reconnect attempt.
         *
         * @param attempt the attempt, counted from 0 after each successful connection
         * @return a random delay in {@code [0, min(max, base * 2^attempt)]}
         * @throws IllegalStateException for {@link #none()}
         */
        public Duration delay(int attempt) {
            return delay(attempt, ThreadLocalRandom.current());
        }

        Duration delay(int attempt, RandomGenerator random) {
            if (!isEnabled()) {
                throw new IllegalStateException("reconnecting is off");
            }
            Checks.inRange(attempt, 0, Integer.MAX_VALUE, "attempt");
            return Duration.ofNanos(random.nextLong(ceilingNanos(attempt) + 1));
        }

        /** {@code min(max, base * 2^attempt)}, without overflow. */
        long ceilingNanos(int attempt) {
            if (attempt >= Long.SIZE - 1 || baseNanos > maxNanos >> attempt) {
                return maxNanos;
            }
            return Math.min(maxNanos, baseNanos << attempt);
        }

        /** Describes the policy, for example {@code exponential(PT0.1S..PT10S, full jitter)}. */
        @Override
        public String toString() {
            return isEnabled() ? "exponential(" + Duration.ofNanos(baseNanos) + ".." + Duration.ofNanos(maxNanos)
                    + ", full jitter)" : "none";
        }
    }

    /**
     * Configures a {@link PushClient}. Setters check their argument at once. Not thread-safe; the client it
     * builds is.
     */
    public static final class Builder {
        /** The default host: {@value}. */
        public static final String DEFAULT_HOST = "localhost";
        /** The default port, the server's default: {@value}. */
        public static final int DEFAULT_PORT = 5567;
        /** The default framing: {@link Framing#lines()}. */
        public static final Framing DEFAULT_FRAMING = Framing.lines();
        /** The default protocol: {@link Protocol#COMMANDS}. */
        public static final Protocol DEFAULT_PROTOCOL = Protocol.COMMANDS;
        /** The default connect timeout: 10 seconds. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
        /** The default reconnect policy: {@link ReconnectPolicy#DEFAULT}. */
        public static final ReconnectPolicy DEFAULT_RECONNECT_POLICY = ReconnectPolicy.DEFAULT;
        /** The default limit on commands waiting for a reply, past which publishes and pings fail: {@value}. */
        public static final int DEFAULT_MAX_PENDING_COMMANDS = 1024;

        private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private Framing framing = DEFAULT_FRAMING;
        private Protocol protocol = DEFAULT_PROTOCOL;
        private SslContext sslContext;
        private File trustedCaPem;
        private SslProvider tlsProvider;
        private Consumer<Message> messageListener = message -> { };
        private Consumer<State> stateListener = state -> { };
        private ReconnectPolicy reconnectPolicy = DEFAULT_RECONNECT_POLICY;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxPendingCommands = DEFAULT_MAX_PENDING_COMMANDS;
        private EventLoopGroup eventLoopGroup;
        private boolean nativeTransport = true;
        private Supplier<String> authTokens;
        private boolean fixedToken;

        private Builder() {
        }

        /**
         * Sets the server's host name or address. Defaults to {@link #DEFAULT_HOST}; resolved again on every
         * connection attempt.
         *
         * @param host a host name or address, for example {@code "127.0.0.1"}
         * @return this builder
         */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
            }
            this.host = host;
            return this;
        }

        /**
         * Sets the server's port. Defaults to {@link #DEFAULT_PORT}.
         *
         * @param port 1 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            this.port = Checks.inRange(port, 1, 65_535, "port");
            return this;
        }

        /**
         * Sets the framing; it must match the server's, and its maximum frame length bounds the frames the client
         * accepts and sends. Defaults to {@link #DEFAULT_FRAMING}.
         *
         * @param framing the framing
         * @return this builder
         */
        public Builder framing(Framing framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /**
         * Sets the protocol; it must match the server's. Defaults to {@link #DEFAULT_PROTOCOL}.
         *
         * @param protocol the protocol
         * @return this builder
         */
        public Builder protocol(Protocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * Sets the listener for pushed messages. Defaults to ignoring them.
         *
         * <p>It is called on the client's event loop thread, one message at a time, in the order the messages
         * arrived (on {@code commands} each has the concrete topic, also for pattern subscriptions; on {@code raw}
         * every message is on {@link PushClient#RAW_TOPIC}). It must be fast and must not block (hand slow work to
         * an executor), and must not wait for this client's futures. What it throws is caught and logged; the next
         * message is delivered as usual.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder onMessage(Consumer<Message> listener) {
            this.messageListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets the listener for state changes. Defaults to ignoring them.
         *
         * <p>It is called on the client's event loop thread, in the order the changes happened, once per change.
         * It must be fast and must not block; what it throws is caught and logged.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder onStateChange(Consumer<State> listener) {
            this.stateListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets when the client reconnects. Defaults to {@link #DEFAULT_RECONNECT_POLICY}.
         *
         * @param policy the policy, for example {@link ReconnectPolicy#none()}
         * @return this builder
         */
        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.reconnectPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets how long one connection attempt may take. Defaults to {@link #DEFAULT_CONNECT_TIMEOUT}.
         *
         * @param timeout a positive duration, at most {@code Integer.MAX_VALUE} milliseconds
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            Checks.positive(timeout, "connectTimeout");
            if (timeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
                throw new IllegalArgumentException(
                        "connectTimeout: " + timeout + " (expected: <= " + MAX_CONNECT_TIMEOUT + ")");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets how many commands may wait for their reply at once before publishes and pings fail at once with a
         * {@link PushlineException}; subscription commands count, but are never refused. Defaults to
         * {@link #DEFAULT_MAX_PENDING_COMMANDS}.
         *
         * @param maxPendingCommands at least 1
         * @return this builder
         */
        public Builder maxPendingCommands(int maxPendingCommands) {
            this.maxPendingCommands = Checks.positive(maxPendingCommands, "maxPendingCommands");
            return this;
        }

        /**
         * Runs the client on one event loop of the host's group instead of a thread of its own. The client never
         * shuts the group down. Its transport (epoll or NIO) is detected from the group. Defaults to a one-thread
         * group the client creates and shuts down on {@link PushClient#close()}.
         *
         * @param group the group
         * @return this builder
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Speaks TLS with a host-made Netty client {@link SslContext} (custom trust, or a client certificate for
         * mutual TLS: {@code SslContextBuilder.forClient().keyManager(cert, key)}). The server's certificate must
         * name the host. Off by default.
         *
         * @param sslContext a client context
         * @return this builder
         */
        public Builder tls(SslContext sslContext) {
            Objects.requireNonNull(sslContext, "sslContext");
            if (!sslContext.isClient()) {
                throw new IllegalArgumentException("sslContext: a server context (expected: a client context)");
            }
            this.sslContext = sslContext;
            this.trustedCaPem = null;
            return this;
        }

        /**
         * Speaks TLS 1.2 or 1.3, trusting the CA certificates in a PEM file. Off by default. The TLS implementation
         * is OpenSSL when {@code netty-tcnative} is on the class path and the JDK's otherwise, unless
         * {@link #tlsProvider(SslProvider)} chooses one.
         *
         * @param trustedCaPem the CA certificates the server's certificate must chain to, PEM
         * @return this builder
         * @throws IllegalArgumentException when the file cannot be loaded
         */
        public Builder tls(File trustedCaPem) {
            Objects.requireNonNull(trustedCaPem, "trustedCaPem");
            this.sslContext = caContext(trustedCaPem, SslProvider.JDK); // checks the file now; built again at build()
            this.trustedCaPem = trustedCaPem;
            return this;
        }

        /**
         * Chooses the TLS implementation for {@link #tls(File)}: {@link SslProvider#OPENSSL} (BoringSSL from
         * {@code netty-tcnative-boringssl-static}, which must then be on the class path) or {@link SslProvider#JDK}.
         * By default OpenSSL is used when it is available and the JDK's otherwise. A context given to
         * {@link #tls(SslContext)} keeps its own.
         *
         * @param provider the provider; null for the default
         * @return this builder
         */
        public Builder tlsProvider(SslProvider provider) {
            this.tlsProvider = provider;
            return this;
        }

        private static SslContext caContext(File trustedCaPem, SslProvider provider) {
            try {
                return SslContextBuilder.forClient().trustManager(trustedCaPem).protocols("TLSv1.3", "TLSv1.2")
                        .sslProvider(PushServer.tlsProviderOrDefault(provider)).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("tls: cannot load " + trustedCaPem + ": " + e.getMessage(), e);
            }
        }

        private SslContext buildSslContext() {
            return trustedCaPem != null ? caContext(trustedCaPem, tlsProvider) : sslContext;
        }

        /**
         * Sets whether the client's own event loop uses the native epoll transport when available. Defaults to
         * {@code true}; NIO is used otherwise. Ignored with {@link #eventLoopGroup(EventLoopGroup)}.
         *
         * @param nativeTransport whether to prefer epoll
         * @return this builder
         */
        public Builder nativeTransport(boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
            return this;
        }

        /**
         * Sets the credentials the client presents on every connection before anything else, for a server with
         * an {@code Authenticator}. On {@code commands} it sends {@code AUTH <token>} and waits for {@code +OK}
         * before re-sending its subscriptions and reporting {@link State#CONNECTED}; on {@code raw} the token is
         * the first frame. On {@code commands} a refused token ({@code -ERR unauthorized}) fails the pending
         * {@link PushClient#connect()} and closes the client ({@link State#CLOSED}) whatever the reconnect policy:
         * every reconnect would present the same token and be refused again. On {@code raw} the server does not
         * acknowledge a token: a refusal arrives as a {@code -ERR unauthorized} message, then a close, and the
         * client reconnects as its {@link #reconnectPolicy(ReconnectPolicy) policy} says.
         *
         * @param token the token, such as a JWT; no CR, LF or space (one protocol argument)
         * @return this builder
         * @throws IllegalArgumentException when the token is empty or contains CR, LF or a space
         */
        public Builder auth(String token) {
            String checked = checkToken(token);
            this.authTokens = () -> checked;
            this.fixedToken = true;
            return this;
        }

        /**
         * Like {@link #auth(String)}, but asks {@code tokens} for the token on every connection attempt, for
         * credentials that expire (a JWT refreshed elsewhere). A refused token does not close the client: it
         * disconnects and reconnects by its {@link ReconnectPolicy}, asking again. The supplier runs on the client's
         * event loop and must not block; a null or invalid token fails that attempt.
         *
         * @param tokens gives the current token
         * @return this builder
         */
        public Builder auth(Supplier<String> tokens) {
            this.authTokens = Objects.requireNonNull(tokens, "tokens");
            this.fixedToken = false;
            return this;
        }

        /**
         * Builds the client, not yet connected (see {@link PushClient#connect()}). The client holds an event loop
         * thread (its own unless one was given) until it is closed.
         *
         * @return the client
         * @throws IllegalStateException when {@link #tlsProvider(SslProvider)} chose OpenSSL for {@link #tls(File)}
         *     and it is not available
         */
        public PushClient build() {
            return new PushClient(this);
        }
    }
}
