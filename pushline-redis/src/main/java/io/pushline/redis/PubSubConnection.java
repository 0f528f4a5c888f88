package io.pushline.redis;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Message;
import io.pushline.SourceException;
import io.pushline.internal.LogText;
import io.pushline.netty.internal.Tls;
import io.pushline.netty.internal.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber connection of {@link RedisMessageSource}: RESP on a plain Netty channel with an I/O thread of its
 * own, which reads a pushed message with a few index scans and one payload copy ({@link RespDecoder}), stripping
 * the history {@link Envelope} when there is one. It connects
 * and authenticates, subscribes what is {@link WantedSubscriptions wanted}, keeps the FIFO of commands awaiting a
 * reply (Redis answers in order, one reply per command here), watches its lag and Redis's silence
 * ({@link LagProbe}), and reconnects with equal-jitter backoff when the connection drops.
 */
final class PubSubConnection {
    /** What the connection reports; called on its I/O thread, never concurrently. */
    interface Events {
        void message(String pattern, Message message);

        /** A message on a channel whose name is not a valid topic; {@code channel} may hold U+FFFD for bad bytes. */
        void invalidChannel(String channel, String problem);

        /** Connected (and authenticated); {@code reconnect} is false for the first connection. */
        void up(boolean reconnect);

        /** Redis answered after re-subscribing everything on a new connection. */
        void resubscribed();

        void down();

        /** Redis sent nothing for {@link LagProbe#STALL_NANOS} although a PING is outstanding. */
        void stalled();

        /** Redis answers again after {@link #stalled()}, on the same connection (nothing was lost). */
        void responsive();

        /** {@code count} messages were skipped, undecoded, to catch up with Redis. */
        void shed(long count);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PubSubConnection.class);
    private static final byte[] MESSAGE = ascii("message");
    private static final byte[] PMESSAGE = ascii("pmessage");
    private static final String HELLO = "hello";
    private static final String AUTH = "auth";
    private static final String PING = "ping";
    private static final String LAG = "lag";

    private final String host;
    private final int port;
    private final String username;
    private final char[] password;
    private final Duration minDelay;
    private final Duration maxDelay;
    private final String description;
    private final Events events;
    private final Predicate<String> hasHistory;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final WantedSubscriptions wanted = new WantedSubscriptions();

    private volatile Channel channel;
    private volatile boolean closed;
    /** Only touched on the I/O thread. */
    private boolean everUp;
    /** Only touched on the I/O thread. */
    private int attempt;
    /** Only touched on the I/O thread: refused connection attempts in a row, and the last refusal's text. */
    private int refusals;
    private String lastRefusal;

    PubSubConnection(String host, int port, SslContext tls, boolean verifyHost, String username, char[] password,
            Duration minDelay, Duration maxDelay, String description, Events events, Predicate<String> hasHistory) {
        this.host = host;
        this.port = port;
        this.username = username;
        this.password = password == null ? null : password.clone();
        this.minDelay = minDelay;
        this.maxDelay = maxDelay;
        this.description = description;
        this.events = events;
        this.hasHistory = hasHistory;
        Transport transport = Transport.choose(true);
        this.group = transport.newGroup(1, "pushline-redis-sub");
        this.bootstrap = new Bootstrap().group(group)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(Tls.clientHandler(tls, ch.alloc(), host, port, verifyHost));
                        }
                        Handler handler = new Handler();
                        ch.pipeline().addLast(new RespDecoder(handler), handler);
                    }
                });
    }

    /** Connects and authenticates, waiting at most {@code timeout}; throws {@link SourceException} on failure. */
    void start(Duration timeout) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        connect(ready);
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

    boolean isUp() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /**
     * Subscribes or unsubscribes now when connected; otherwise the re-subscription after connecting covers it.
     *
     * @param verb subscribe, unsubscribe, psubscribe or punsubscribe
     */
    CompletableFuture<Void> change(String verb, String name) {
        CompletableFuture<Void> done = wanted.change(verb, name);
        Channel ch = channel;
        if (ch != null && !done.isDone()) {
            ch.eventLoop().execute(() -> {
                Handler h = ch.pipeline().get(Handler.class);
                if (h != null && h.ready) {
                    h.send(ch, verb, name);
                }
            });
        }
        return done;
    }

    /** Closes the connection and its thread (bounded); pending changes fail. */
    void close() {
        if (!wanted.close()) {
            return;
        }
        closed = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
    }

    private void connect(CompletableFuture<Void> ready) {
        if (closed) {
            return;
        }
        ChannelFuture f;
        try {
            f = bootstrap.connect(host, port);
        } catch (RuntimeException e) { // the group is shutting down
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
                if (everUp) {
                    scheduleReconnect();
                }
            }
        });
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long min = minDelay.toNanos();
        long cap = Math.min(maxDelay.toNanos(), min << Math.min(attempt, 20));
        long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1); // equal jitter
        attempt++;
        try {
            group.schedule(() -> connect(new CompletableFuture<>()), delay, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the group is shutting down
            LOG.debug("not reconnecting to {}: closing", description, e);
        }
    }

    private static ByteBuf encode(Channel ch, String... args) {
        int size = 16;
        for (String a : args) {
            size += ByteBufUtil.utf8MaxBytes(a) + 16;
        }
        ByteBuf buf = ch.alloc().buffer(size);
        buf.writeByte('*').writeCharSequence(Integer.toString(args.length), StandardCharsets.US_ASCII);
        buf.writeShort(0x0d0a);
        for (String a : args) {
            buf.writeByte('$').writeCharSequence(Integer.toString(ByteBufUtil.utf8Bytes(a)), StandardCharsets.US_ASCII);
            buf.writeShort(0x0d0a);
            ByteBufUtil.writeUtf8(buf, a);
            buf.writeShort(0x0d0a);
        }
        return buf;
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** What each value from Redis means, and the connection's life, on the I/O thread. */
    private final class Handler extends ChannelInboundHandlerAdapter implements RespDecoder.Sink {
        /** The commands written and not answered yet, oldest first. */
        private final ArrayDeque<String> awaiting = new ArrayDeque<>();
        private final LagProbe lag = new LagProbe();
        private CompletableFuture<Void> helloDone;
        private boolean ready;
        private boolean resubscribing;
        private ScheduledFuture<?> lagTimer;
        private ScheduledFuture<?> helloTimeout;
        private byte[] lastChannelBytes = new byte[0];
        private String lastChannel = "";

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
            if (password != null) {
                awaiting.add(AUTH);
                ch.writeAndFlush(encode(ch, username == null ? new String[] {"AUTH", new String(password)}
                        : new String[] {"AUTH", username, new String(password)}));
            } else {
                awaiting.add(HELLO);
                ch.writeAndFlush(encode(ch, "PING"));
            }
        }

        private void onReady(ChannelHandlerContext ctx) {
            ready = true;
            attempt = 0;
            refusals = 0;
            helloTimeout.cancel(false);
            boolean reconnect = everUp;
            everUp = true;
            WantedSubscriptions.Snapshot subscribe = wanted.forNewConnection();
            events.up(reconnect);
            if (helloDone != null) {
                helloDone.complete(null);
            }
            subscribe.channels().forEach(name -> send(ctx.channel(), "subscribe", name));
            subscribe.patterns().forEach(name -> send(ctx.channel(), "psubscribe", name));
            lagTimer = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), LagProbe.PROBE_MILLIS,
                    LagProbe.PROBE_MILLIS, TimeUnit.MILLISECONDS);
            if (reconnect) {
                resubscribing = true;
                awaiting.add(PING);
                ctx.writeAndFlush(encode(ctx.channel(), "PING"));
            }
        }

        private void tick(ChannelHandlerContext ctx) {
            if (!ctx.channel().isActive()) {
                return;
            }
            long now = System.nanoTime();
            switch (lag.tick(now)) {
                case PROBE -> {
                    awaiting.add(LAG);
                    ctx.writeAndFlush(encode(ctx.channel(), "PING"));
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

        void send(Channel ch, String verb, String name) {
            awaiting.add(verb + " " + name);
            ch.writeAndFlush(encode(ch, verb.toUpperCase(Locale.ROOT), name));
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
                boolean message = value.elementIs(in, 0, MESSAGE);
                boolean pmessage = !message && value.elementIs(in, 0, PMESSAGE);
                if ((message || pmessage) && lag.shedding()) {
                    lag.countShed();
                } else if (message) {
                    deliver(in, value, null, 1);
                } else if (pmessage) {
                    deliver(in, value, value.element(in, 1), 2);
                } else {
                    reply(ctx, null); // subscribe/unsubscribe confirmation, or pong
                }
            } else {
                reply(ctx, value.isError() ? value.text(in) : null); // +OK, +PONG, -ERR ...
            }
        }

        private void deliver(ByteBuf in, RespValue value, String pattern, int channelIndex) {
            if (closed) {
                return;
            }
            String topic = channel(in, value, channelIndex);
            if (topic == null) {
                events.invalidChannel(value.element(in, channelIndex), "not valid UTF-8");
                return;
            }
            Message message;
            try {
                message = Envelope.read(topic, in, value.elementStart[channelIndex + 1],
                        Math.max(value.elementLength[channelIndex + 1], 0), hasHistory);
            } catch (IllegalArgumentException e) {
                events.invalidChannel(topic, e.getMessage());
                return;
            }
            events.message(pattern, message);
        }

        /**
         * The channel name, decoded once while consecutive messages name the same channel; null when it is not
         * valid UTF-8 (topics are text: such a channel is refused, never delivered with replacement characters).
         */
        private String channel(ByteBuf in, RespValue value, int i) {
            if (!value.elementIs(in, i, lastChannelBytes)) {
                lastChannelBytes = value.elementBytes(in, i);
                lastChannel = strictUtf8(lastChannelBytes);
            }
            return lastChannel;
        }

        private void reply(ChannelHandlerContext ctx, String error) {
            String command = awaiting.poll();
            if (command == null) {
                LOG.debug("unexpected reply from {}{}", description, error == null ? "" : ": " + LogText.escape(error));
                return;
            }
            switch (command) {
                case HELLO, AUTH -> {
                    if (error == null) {
                        onReady(ctx);
                    } else {
                        refused(command.equals(AUTH) ? "the credentials" : "PING", error);
                        if (helloDone != null) {
                            helloDone.completeExceptionally(new SourceException(error));
                        }
                        ctx.close();
                    }
                }
                case LAG -> {
                    long skipped = lag.answered();
                    if (skipped > 0 && !closed) {
                        events.shed(skipped);
                    }
                }
                case PING -> {
                    if (resubscribing) {
                        resubscribing = false;
                        events.resubscribed();
                    }
                }
                default -> wanted.complete(command, error == null ? null : refusedChange(command, error));
            }
        }

        /** Redis refused "verb name": the error its future fails with, as "VERB name on host failed: why". */
        private SourceException refusedChange(String command, String error) {
            int space = command.indexOf(' ');
            return new SourceException(command.substring(0, space).toUpperCase(Locale.ROOT) + command.substring(space)
                    + " on " + description + " failed: " + error);
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
            if (!closed) {
                if (wasReady) {
                    events.down();
                }
                if (everUp) {
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
