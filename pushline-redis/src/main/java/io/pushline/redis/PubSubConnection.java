package io.pushline.redis;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.SourceException;
import io.pushline.internal.LogText;
import io.pushline.netty.internal.Tls;
import io.pushline.netty.internal.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscriber connection to one Redis node: RESP on a plain Netty channel, on an event loop of its own or one it
 * shares with other such connections ({@link RedisClusterMessageSource} runs one per shard on one loop). It reads a
 * pushed message ({@code message}, {@code pmessage} or {@code smessage}) with a few index scans and one payload
 * copy ({@link RespDecoder}), stripping the history {@link Envelope} when there is one. It connects and
 * authenticates, lets its {@link Subscriptions} subscribe what it must hold, keeps the FIFO of commands awaiting
 * replies (Redis answers in order: one reply per channel of a subscription command, or one error), tells replies
 * from unsubscriptions Redis pushes by itself, watches its lag and Redis's silence ({@link LagProbe}), and
 * reconnects to the same address with equal-jitter backoff when the connection drops.
 */
final class PubSubConnection {
    private static final Logger LOG = LoggerFactory.getLogger(PubSubConnection.class);
    private static final byte[] MESSAGE = Resp.ascii("message");
    private static final byte[] SMESSAGE = Resp.ascii("smessage");
    private static final byte[] PMESSAGE = Resp.ascii("pmessage");
    /** How many channels one subscription command names at most. */
    static final int MAX_BATCH = 512;

    private final String host;
    private final int port;
    private final PubSubSetup.Settings settings;
    private final String description;
    private final PubSubEvents events;
    private final Subscriptions subscriptions;
    private final Predicate<String> hasHistory;
    private final EventLoop loop;
    private final boolean ownsLoop;
    private final Bootstrap bootstrap;
    private final AtomicBoolean closing = new AtomicBoolean();

    private volatile Channel channel;
    private volatile boolean closed;
    /** Only touched on the I/O thread: whether a failed first connection is retried (else start() reports it). */
    private boolean persistent;
    private boolean everUp;
    private int attempt;
    /** Only touched on the I/O thread: refused connection attempts in a row, and the last refusal's text. */
    private int refusals;
    private String lastRefusal;

    /**
     * A connection to {@code host:port}; nothing happens until {@link #start(Duration)} or {@link #open()}.
     *
     * @param loop the event loop its channels run on
     * @param ownsLoop whether {@link #close()} shuts the loop (and its group) down
     */
    PubSubConnection(String host, int port, PubSubSetup.Settings settings, String description, PubSubEvents events,
            Subscriptions subscriptions, Predicate<String> hasHistory, EventLoop loop, boolean ownsLoop) {
        this.host = host;
        this.port = port;
        this.settings = settings;
        this.description = description;
        this.events = events;
        this.subscriptions = subscriptions;
        this.hasHistory = hasHistory;
        this.loop = loop;
        this.ownsLoop = ownsLoop;
        SslContext tls = settings.tls();
        this.bootstrap = new Bootstrap().group(loop)
                .channel(Transport.of(loop).socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(Tls.clientHandler(tls, ch.alloc(), host, port,
                                    settings.verifyHost()));
                        }
                        Handler handler = new Handler();
                        ch.pipeline().addLast(new RespDecoder(handler), handler);
                    }
                });
    }

    /** Connects and authenticates, waiting at most {@code timeout}; throws {@link SourceException} on failure. */
    void start(Duration timeout) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        loop.execute(() -> connect(ready));
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new SourceException("cannot connect to " + description + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            close();
            throw new SourceException("cannot connect to " + description + ": no answer within " + timeout, e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while connecting to " + description, e);
        }
    }

    /** Connects in the background, and keeps trying with backoff until connected or closed. Never blocks. */
    void open() {
        loop.execute(() -> {
            persistent = true;
            connect(new CompletableFuture<>());
        });
    }

    /** The event loop the connection's channels run on. */
    EventLoop loop() {
        return loop;
    }

    /** The address this connection talks to, {@code host:port}. */
    String address() {
        return host + ":" + port;
    }

    boolean isUp() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /** Whether the connection is ready for commands now. On the I/O thread only. */
    boolean isReady() {
        Channel ch = channel;
        Handler h = ch == null ? null : ch.pipeline().get(Handler.class);
        return h != null && h.ready;
    }

    /**
     * Writes one subscription command when the connection is ready (call {@link #flush()} after). On the I/O thread
     * only.
     *
     * @param verb subscribe, ssubscribe, ... in lower case
     * @param names the channels, at most {@link #MAX_BATCH}; each gets a reply
     * @return whether it was written
     */
    boolean send(String verb, List<String> names) {
        Channel ch = channel;
        Handler h = ch == null ? null : ch.pipeline().get(Handler.class);
        if (h == null || !h.ready) {
            return false;
        }
        h.send(ch, verb, names);
        return true;
    }

    /** Flushes what {@link #send} wrote. On the I/O thread only. */
    void flush() {
        Channel ch = channel;
        if (ch != null) {
            ch.flush();
        }
    }

    /** Sends one subscription command from any thread, when the connection is ready by then. */
    void sendWhenReady(String verb, String name) {
        loop.execute(() -> {
            if (send(verb, List.of(name))) {
                flush();
            }
        });
    }

    /** Closes the connection and, when it owns it, its event loop; waits for both (bounded). Not on the loop. */
    void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (ownsLoop) {
            loop.parent().shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        }
    }

    /** Closes the connection without waiting; on the I/O thread (of a loop the connection does not own). */
    void closeNow() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    /** On the I/O thread. */
    private void connect(CompletableFuture<Void> ready) {
        if (closed) {
            ready.completeExceptionally(new SourceException("connection to " + description + " closed"));
            return;
        }
        ChannelFuture f;
        try {
            f = bootstrap.connect(host, port);
        } catch (RuntimeException e) { // the loop is shutting down
            ready.completeExceptionally(e);
            return;
        }
        Channel ch = f.channel();
        channel = ch;
        f.addListener(done -> {
            if (done.isSuccess()) {
                ch.pipeline().get(Handler.class).hello(ch, ready);
            } else {
                ready.completeExceptionally(done.cause());
                if (!closed && (everUp || persistent)) {
                    events.unreachable(String.valueOf(done.cause().getMessage()));
                    scheduleReconnect();
                }
            }
        });
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long min = RedisMessageSource.DEFAULT_RECONNECT_DELAY_MIN.toNanos();
        long cap = Math.min(RedisMessageSource.DEFAULT_RECONNECT_DELAY_MAX.toNanos(), min << Math.min(attempt, 20));
        long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1); // equal jitter
        attempt++;
        try {
            loop.schedule(() -> connect(new CompletableFuture<>()), delay, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the loop is shutting down
            LOG.debug("not reconnecting to {}: closing", description, e);
        }
    }

    /** What each value from Redis means, and the connection's life, on the I/O thread. */
    private final class Handler extends ChannelInboundHandlerAdapter implements RespDecoder.Sink {
        private final AwaitedReplies awaiting = new AwaitedReplies();
        private final LagProbe lag = new LagProbe();
        private CompletableFuture<Void> helloDone;
        private boolean ready;
        private boolean resubscribing;
        private ScheduledFuture<?> lagTimer;
        private ScheduledFuture<?> helloTimeout;
        private final MessageReader reader = new MessageReader(events, hasHistory);

        /** Authenticates (or pings), then re-subscribes: called once connected. */
        void hello(Channel ch, CompletableFuture<Void> done) {
            helloDone = done;
            // a Redis that accepts connections but answers nothing (stopped, or the path is dead) is given up on
            helloTimeout = ch.eventLoop().schedule(() -> {
                if (!ready && ch.isActive()) {
                    LOG.debug("Redis at {} did not answer the first command within {} s; reconnecting", description,
                            TimeUnit.NANOSECONDS.toSeconds(LagProbe.DEAD_NANOS));
                    ch.close();
                }
            }, LagProbe.DEAD_NANOS, TimeUnit.NANOSECONDS);
            char[] password = settings.password();
            if (password != null) {
                String user = settings.username();
                marker(ch, AwaitedReplies.AUTH, user == null ? List.of(new String(password))
                        : List.of(user, new String(password)));
            } else {
                marker(ch, AwaitedReplies.HELLO, List.of());
            }
            ch.flush();
        }

        private void marker(Channel ch, String marker, List<String> args) {
            awaiting.add(marker, List.of());
            ch.write(Resp.command(ch.alloc(), marker.equals(AwaitedReplies.AUTH) ? "AUTH" : "PING", args));
        }

        private void onReady(ChannelHandlerContext ctx) {
            ready = true;
            attempt = 0;
            refusals = 0;
            helloTimeout.cancel(false);
            boolean reconnect = everUp;
            everUp = true;
            events.up(reconnect);
            if (helloDone != null) {
                helloDone.complete(null);
            }
            subscriptions.connected(PubSubConnection.this);
            lagTimer = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), LagProbe.PROBE_MILLIS,
                    LagProbe.PROBE_MILLIS, TimeUnit.MILLISECONDS);
            if (reconnect) {
                resubscribing = true;
                marker(ctx.channel(), AwaitedReplies.PING, List.of());
            }
            ctx.flush();
        }

        private void tick(ChannelHandlerContext ctx) {
            if (!ctx.channel().isActive()) {
                return;
            }
            long now = System.nanoTime();
            switch (lag.tick(now)) {
                case PROBE -> {
                    marker(ctx.channel(), AwaitedReplies.LAG, List.of());
                    ctx.flush();
                }
                case STALLED -> events.stalled();
                case DEAD -> {
                    LOG.warn("Redis at {} sent nothing for {} s; closing the connection and reconnecting",
                            description, TimeUnit.NANOSECONDS.toSeconds(lag.silentNanos(now)));
                    ctx.close();
                }
                default -> {
                    // a probe is outstanding and Redis is not silent yet: wait for its answer
                }
            }
        }

        void send(Channel ch, String verb, List<String> names) {
            awaiting.add(verb, names);
            ch.write(Resp.command(ch.alloc(), verb.toUpperCase(Locale.ROOT), names));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // the decoder passes nothing on: every value went to onValue
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void onValue(ChannelHandlerContext ctx, ByteBuf in, RespValue value) {
            if (lag.onRead(System.nanoTime())) {
                events.responsive();
            }
            lag.onValue(value.size());
            if (value.isArray()) {
                boolean message = value.elementIs(in, 0, MESSAGE) || value.elementIs(in, 0, SMESSAGE);
                boolean pmessage = !message && value.elementIs(in, 0, PMESSAGE);
                if ((message || pmessage) && lag.shedding()) {
                    lag.countShed();
                } else if (message && !closed) {
                    reader.deliver(in, value, null, 1);
                } else if (pmessage && !closed) {
                    reader.deliver(in, value, value.element(in, 1), 2);
                } else if (!message && !pmessage) {
                    arrayReply(ctx, in, value);
                }
            } else {
                reply(ctx, value.isError() ? value.text(in) : null); // +OK, +PONG, -ERR ...
            }
        }

        /**
         * An array that is no message: the confirmation of one channel of the oldest subscription command, an
         * unsubscription Redis made by itself, or a pong.
         */
        private void arrayReply(ChannelHandlerContext ctx, ByteBuf in, RespValue value) {
            String kind = value.element(in, 0);
            if (kind == null || !AwaitedReplies.SUBSCRIPTION_KINDS.contains(kind)) {
                reply(ctx, null); // a pong in subscriber mode
                return;
            }
            String name = value.element(in, 1);
            if (awaiting.confirms(kind, name)) {
                subscriptions.answered(kind, name, null);
            } else if (kind.endsWith("unsubscribe") && name != null) {
                subscriptions.unsubscribedByServer(kind, name);
            } else {
                LOG.debug("unexpected {} {} from {}", kind, name == null ? "" : LogText.escape(name), description);
            }
        }

        private void reply(ChannelHandlerContext ctx, String error) {
            AwaitedReplies.Request request = awaiting.poll();
            if (request == null) {
                LOG.debug("unexpected reply from {}{}", description, error == null ? "" : ": " + LogText.escape(error));
                return;
            }
            if (request.isSubscription()) {
                // an error answers the whole command; anything else here is out of step, and counts as one too
                String why = error != null ? error : "unexpected reply";
                for (int i = request.answered; i < request.names.size(); i++) {
                    subscriptions.answered(request.verb, request.names.get(i), why);
                }
                return;
            }
            switch (request.verb) {
                case AwaitedReplies.HELLO, AwaitedReplies.AUTH -> {
                    if (error == null) {
                        onReady(ctx);
                    } else {
                        refused(request.verb.equals(AwaitedReplies.AUTH) ? "the credentials" : "PING", error);
                        if (helloDone != null) {
                            helloDone.completeExceptionally(new SourceException(error));
                        }
                        ctx.close();
                    }
                }
                case AwaitedReplies.LAG -> {
                    long skipped = lag.answered();
                    if (skipped > 0 && !closed) {
                        events.shed(skipped);
                    }
                }
                default -> { // PING, after the re-subscription
                    if (resubscribing) {
                        resubscribing = false;
                        events.resubscribed();
                    }
                }
            }
        }

        /** Redis refused the first command: logged once per streak, since every retry is refused the same way. */
        private void refused(String what, String error) {
            if (refusals++ == 0 || !error.equals(lastRefusal)) {
                LOG.error("Redis at {} refused {}: {} (retrying with backoff; repeats are logged at DEBUG)",
                        description, what, LogText.escape(error));
            } else {
                LOG.debug("Redis at {} refused {} again ({} times): {}", description, what, refusals,
                        LogText.escape(error));
            }
            lastRefusal = error;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            boolean wasReady = ready;
            ready = false;
            awaiting.clear();
            if (lagTimer != null) {
                lagTimer.cancel(false);
            }
            if (helloTimeout != null) {
                helloTimeout.cancel(false);
            }
            long skipped = lag.answered();
            if (skipped > 0 && !closed) {
                events.shed(skipped);
            }
            super.channelInactive(ctx);
            if (helloDone != null && !helloDone.isDone()) {
                helloDone.completeExceptionally(new SourceException("connection to " + description + " closed"));
            }
            if (wasReady) {
                subscriptions.disconnected();
            }
            if (!closed) {
                if (wasReady) {
                    events.down();
                } else if (everUp || persistent) {
                    events.unreachable("closed before it was ready");
                }
                if (everUp || persistent) {
                    scheduleReconnect();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("pub/sub connection to {} failed", description, cause);
            ctx.close();
        }
    }
}
