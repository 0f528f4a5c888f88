package io.pushline.redis;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushline.Message;
import io.pushline.SourceException;
import io.pushline.internal.LogText;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber connection of {@link RedisMessageSource}: RESP2 on a plain Netty channel, with its own I/O thread.
 * Lettuce's generic pub/sub decoding could not keep up with a full-speed publisher (Redis then cut the subscriber
 * off at its {@code client-output-buffer-limit pubsub}); this reads a pushed message with a few index scans, one
 * payload copy and no other allocation.
 *
 * <p>State: the wanted channels and patterns (what to restore after a reconnect), and futures waiting for Redis to
 * confirm a change. Every command is written on the I/O thread, which also keeps the FIFO of commands awaiting a
 * reply: Redis answers in order, and each command here takes exactly one reply (one channel per
 * {@code SUBSCRIBE}).
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

        /** Redis sent nothing for {@link #STALL_NANOS} although a PING is outstanding: frozen, or cut off. */
        void stalled();

        /** Redis answers again after {@link #stalled()}, on the same connection (nothing was lost). */
        void responsive();

        /** {@code count} messages were skipped, undecoded, to catch up with Redis. */
        void shed(long count);
    }

    /**
     * How far behind Redis the connection may fall before it skips messages: bytes read while a lag probe (a PING,
     * answered after everything Redis had queued for us) is outstanding. Redis cuts a subscriber off past
     * {@code client-output-buffer-limit pubsub 32mb 8mb 60} by default. While the connection is behind, the messages
     * it still decodes (up to this many bytes per probe) let Redis's buffer grow, so the bound is kept low: at 8 MiB a
     * cold JVM under a full-speed publisher was still cut off in 3 of 6 starts, at 2 MiB in 1 of 6 (BENCHMARKS.md).
     */
    static final long SHED_BYTES = 2L * 1024 * 1024;
    /** How often the lag probe is sent. */
    static final long LAG_PROBE_MILLIS = 100;
    /**
     * How long Redis may send nothing at all while a PING is outstanding before the connection counts as stalled
     * (reported {@link io.pushline.SourceState#DOWN}): 2 s. A Redis that is only busy, or far ahead of us, still
     * sends bytes; a stopped process or a dead network path sends none.
     */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * How long a stalled connection is kept before it is closed and a new one made: 15 s (a frozen Redis that wakes
     * up within it still holds our subscriptions and the messages queued for us; a dead path never answers). Also
     * how long a new connection may take to answer its first PING or AUTH.
     */
    static final long DEAD_NANOS = TimeUnit.SECONDS.toNanos(15);

    private static final Logger LOG = LoggerFactory.getLogger(PubSubConnection.class);
    private static final byte[] MESSAGE = bytes("message");
    private static final byte[] PMESSAGE = bytes("pmessage");
    private static final String HELLO = "hello";
    private static final String AUTH = "auth";
    private static final String PING = "ping";
    private static final String LAG = "lag";

    private final String host;
    private final int port;
    private final SslContext tls;
    private final boolean verifyHost;
    private final String username;
    private final char[] password;
    private final Duration minDelay;
    private final Duration maxDelay;
    private final String description;
    private final Events events;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    private final Object lock = new Object();
    // guarded by lock
    private final Set<String> channels = new LinkedHashSet<>();
    // guarded by lock
    private final Set<String> patterns = new LinkedHashSet<>();
    // guarded by lock: "subscribe x" -> futures completed when Redis confirms it
    private final Map<String, List<CompletableFuture<Void>>> waiting = new HashMap<>();

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
            Duration minDelay, Duration maxDelay, String description, Events events) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.verifyHost = verifyHost;
        this.username = username;
        this.password = password == null ? null : password.clone();
        this.minDelay = minDelay;
        this.maxDelay = maxDelay;
        this.description = description;
        this.events = events;
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushline-redis-sub", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), host, port);
                            if (verifyHost) {
                                SSLEngine engine = ssl.engine();
                                SSLParameters params = engine.getSSLParameters();
                                params.setEndpointIdentificationAlgorithm("HTTPS");
                                engine.setSSLParameters(params);
                            }
                            ch.pipeline().addLast(ssl);
                        }
                        ch.pipeline().addLast(new Handler());
                    }
                });
    }

    /** Connects and authenticates, waiting at most {@code timeout}; throws {@link SourceException} on failure. */
    void start(Duration timeout) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        connect(ready);
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new SourceException("cannot connect to " + description + ": " + cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException e) {
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

    /** {@code verb} is subscribe, unsubscribe, psubscribe or punsubscribe. */
    CompletableFuture<Void> change(String verb, String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                done.completeExceptionally(new SourceException(verb.toUpperCase(java.util.Locale.ROOT) + " "
                        + name + ": source is closed"));
                return done;
            }
            switch (verb) {
                case "subscribe" -> channels.add(name);
                case "unsubscribe" -> channels.remove(name);
                case "psubscribe" -> patterns.add(name);
                case "punsubscribe" -> patterns.remove(name);
                default -> throw new IllegalArgumentException(verb);
            }
            waiting.computeIfAbsent(verb + " " + name, k -> new ArrayList<>()).add(done);
        }
        Channel ch = channel;
        if (ch != null) {
            // sent only once the connection is ready; otherwise the re-subscription after connecting covers it
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
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            waiting.values().forEach(pending::addAll);
            waiting.clear();
        }
        Channel ch = channel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        SourceException gone = new SourceException("source is closed");
        for (CompletableFuture<Void> f : pending) {
            f.completeExceptionally(gone);
        }
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

    private void completeWaiting(String key, Throwable error) {
        List<CompletableFuture<Void>> done;
        synchronized (lock) {
            done = waiting.remove(key);
        }
        if (done != null) {
            for (CompletableFuture<Void> f : done) {
                if (error == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error);
                }
            }
        }
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** RESP2 decoding and the connection's life, on the I/O thread. */
    private final class Handler extends ByteToMessageDecoder {
        /** The commands written and not answered yet, oldest first. */
        private final ArrayDeque<String> awaiting = new ArrayDeque<>();
        private CompletableFuture<Void> helloDone;
        private boolean ready;
        private boolean resubscribing;
        // element offsets and lengths of the array being decoded (pub/sub replies have at most 4 elements)
        private final int[] start = new int[4];
        private final int[] length = new int[4];
        private io.netty.util.concurrent.ScheduledFuture<?> lagProbe;
        private boolean lagProbeOutstanding;
        /** Bytes read since the outstanding lag probe was sent: at least how far behind Redis we are. */
        private long bytesBehind;
        private boolean shedding;
        private long shed;
        private byte[] lastChannelBytes = new byte[0];
        private String lastChannel = "";
        /** When Redis last sent anything on this connection. */
        private long lastReadNanos = System.nanoTime();
        private boolean stalled;
        private io.netty.util.concurrent.ScheduledFuture<?> helloTimeout;

        /** Authenticates (or pings), then re-subscribes: called once connected. */
        void hello(Channel ch, CompletableFuture<Void> done) {
            helloDone = done;
            // a Redis that accepts connections but answers nothing (stopped, or the path is dead) is given up on
            helloTimeout = ch.eventLoop().schedule(() -> {
                if (!ready && ch.isActive()) {
                    LOG.debug("Redis at {} did not answer the first command within {} s; reconnecting", description,
                            TimeUnit.NANOSECONDS.toSeconds(DEAD_NANOS));
                    ch.close();
                }
            }, DEAD_NANOS, TimeUnit.NANOSECONDS);
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
            if (helloTimeout != null) {
                helloTimeout.cancel(false);
            }
            boolean reconnect = everUp;
            everUp = true;
            List<String> subscribe;
            List<String> psubscribe;
            List<String> obsolete = new ArrayList<>();
            synchronized (lock) {
                subscribe = new ArrayList<>(channels);
                psubscribe = new ArrayList<>(patterns);
                for (String key : waiting.keySet()) {
                    // a new connection holds nothing: unsubscribing is done, and so is a superseded subscribe
                    String name = key.substring(key.indexOf(' ') + 1);
                    if (key.startsWith("un") || key.startsWith("pun")
                            || key.startsWith("subscribe ") && !channels.contains(name)
                            || key.startsWith("psubscribe ") && !patterns.contains(name)) {
                        obsolete.add(key);
                    }
                }
            }
            obsolete.forEach(key -> completeWaiting(key, null));
            events.up(reconnect);
            if (helloDone != null) {
                helloDone.complete(null);
            }
            for (String name : subscribe) {
                send(ctx.channel(), "subscribe", name);
            }
            for (String name : psubscribe) {
                send(ctx.channel(), "psubscribe", name);
            }
            lagProbe = ctx.executor().scheduleAtFixedRate(() -> probeLag(ctx), LAG_PROBE_MILLIS, LAG_PROBE_MILLIS,
                    TimeUnit.MILLISECONDS);
            if (reconnect) {
                resubscribing = true;
                awaiting.add(PING);
                ctx.writeAndFlush(encode(ctx.channel(), "PING"));
            } else {
                ctx.flush();
            }
        }

        private void probeLag(ChannelHandlerContext ctx) {
            if (lagProbeOutstanding && ctx.channel().isActive()) {
                long silent = System.nanoTime() - lastReadNanos;
                if (silent > DEAD_NANOS) {
                    LOG.warn("Redis at {} sent nothing for {} s; closing the connection and reconnecting", description,
                            TimeUnit.NANOSECONDS.toSeconds(silent));
                    ctx.close();
                } else if (silent > STALL_NANOS && !stalled) {
                    stalled = true;
                    events.stalled();
                }
            }
            if (!lagProbeOutstanding && ctx.channel().isActive()) {
                lagProbeOutstanding = true;
                bytesBehind = 0;
                awaiting.add(LAG);
                ctx.writeAndFlush(encode(ctx.channel(), "PING"));
            }
        }

        void send(Channel ch, String verb, String name) {
            awaiting.add(verb + " " + name);
            ch.writeAndFlush(encode(ch, verb.toUpperCase(java.util.Locale.ROOT), name));
        }

        private ByteBuf encode(Channel ch, String... args) {
            int size = 16;
            for (String a : args) {
                size += ByteBufUtil.utf8MaxBytes(a) + 16;
            }
            ByteBuf buf = ch.alloc().buffer(size);
            buf.writeByte('*').writeCharSequence(Integer.toString(args.length), StandardCharsets.US_ASCII);
            buf.writeShort(0x0d0a);
            for (String a : args) {
                int n = ByteBufUtil.utf8Bytes(a);
                buf.writeByte('$').writeCharSequence(Integer.toString(n), StandardCharsets.US_ASCII);
                buf.writeShort(0x0d0a);
                ByteBufUtil.writeUtf8(buf, a);
                buf.writeShort(0x0d0a);
            }
            return buf;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            lastReadNanos = System.nanoTime();
            if (stalled) {
                stalled = false;
                events.responsive();
            }
            while (in.isReadable()) {
                int at = in.readerIndex();
                int end = value(in, at);
                if (end < 0) {
                    return; // incomplete: wait for more bytes
                }
                in.readerIndex(end);
                if (lagProbeOutstanding) {
                    bytesBehind += end - at;
                    shedding = bytesBehind > SHED_BYTES;
                }
                dispatch(ctx, in, at);
            }
        }

        /**
         * Parses the value at {@code at}; returns the index after it, or -1 when incomplete. For an array, fills
         * {@link #start}/{@link #length} for its first four elements (length -1 for one that is not a bulk string).
         */
        private int value(ByteBuf in, int at) {
            int eol = lineEnd(in, at);
            if (eol < 0) {
                return -1;
            }
            byte type = in.getByte(at);
            if (type == '$') {
                return bulkEnd(in, eol, (int) number(in, at + 1, eol));
            }
            if (type != '*') {
                return eol + 2; // + - :
            }
            int count = (int) number(in, at + 1, eol);
            int pos = eol + 2;
            for (int i = 0; i < count; i++) {
                int e = pos < in.writerIndex() ? lineEnd(in, pos) : -1;
                if (e < 0) {
                    return -1;
                }
                int n = in.getByte(pos) == '$' ? (int) number(in, pos + 1, e) : -1; // -1: not a bulk string
                int next = n < 0 ? e + 2 : bulkEnd(in, e, n);
                if (next < 0) {
                    return -1;
                }
                if (i < 4) {
                    start[i] = e + 2;
                    length[i] = n;
                }
                pos = next;
            }
            for (int i = count; i < 4; i++) {
                length[i] = -1;
            }
            return pos;
        }

        /** The index after a bulk string of {@code n} bytes whose header line ends at {@code eol}, or -1. */
        private int bulkEnd(ByteBuf in, int eol, int n) {
            if (n < 0) {
                return eol + 2; // null bulk string
            }
            int end = eol + 2 + n + 2;
            return in.writerIndex() >= end ? end : -1;
        }

        private int lineEnd(ByteBuf in, int from) {
            int cr = in.indexOf(from, in.writerIndex(), (byte) '\r');
            return cr < 0 || cr + 1 >= in.writerIndex() ? -1 : cr;
        }

        private long number(ByteBuf in, int from, int to) {
            boolean negative = in.getByte(from) == '-';
            long v = 0;
            for (int i = negative ? from + 1 : from; i < to; i++) {
                v = v * 10 + (in.getByte(i) - '0');
            }
            return negative ? -v : v;
        }

        private void dispatch(ChannelHandlerContext ctx, ByteBuf in, int at) {
            byte type = in.getByte(at);
            if (type == '*') {
                if (shedding && (is(in, 0, MESSAGE) || is(in, 0, PMESSAGE))) {
                    shed++;
                } else if (is(in, 0, MESSAGE)) {
                    deliver(in, null, 1);
                } else if (is(in, 0, PMESSAGE)) {
                    deliver(in, string(in, 1), 2);
                } else {
                    reply(ctx, null); // subscribe/unsubscribe confirmation, or pong
                }
            } else if (type == '-') {
                int eol = lineEnd(in, at);
                reply(ctx, in.toString(at + 1, eol - at - 1, StandardCharsets.UTF_8));
            } else {
                reply(ctx, null); // +OK, +PONG
            }
        }

        private void deliver(ByteBuf in, String pattern, int channelIndex) {
            if (closed) {
                return;
            }
            String topic = channel(in, channelIndex);
            if (topic == null) {
                events.invalidChannel(in.toString(start[channelIndex], Math.max(length[channelIndex], 0),
                        StandardCharsets.UTF_8), "not valid UTF-8");
                return;
            }
            int p = channelIndex + 1;
            byte[] payload = new byte[Math.max(length[p], 0)];
            in.getBytes(start[p], payload);
            Message message;
            try {
                message = Message.wrap(topic, payload);
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
        private String channel(ByteBuf in, int i) {
            int n = length[i];
            if (!sameBytes(in, start[i], n, lastChannelBytes)) {
                lastChannelBytes = new byte[n];
                in.getBytes(start[i], lastChannelBytes);
                lastChannel = strictUtf8(lastChannelBytes);
            }
            return lastChannel;
        }

        private boolean sameBytes(ByteBuf in, int from, int n, byte[] expected) {
            if (n != expected.length) {
                return false;
            }
            for (int k = 0; k < n; k++) {
                if (in.getByte(from + k) != expected[k]) {
                    return false;
                }
            }
            return true;
        }

        private String string(ByteBuf in, int i) {
            return in.toString(start[i], Math.max(length[i], 0), StandardCharsets.UTF_8);
        }

        private boolean is(ByteBuf in, int i, byte[] expected) {
            return sameBytes(in, start[i], length[i], expected);
        }

        private void reply(ChannelHandlerContext ctx, String error) {
            String command = awaiting.poll();
            if (command == null) {
                LOG.debug("unexpected reply from {}{}", description, error == null ? "" : ": " + error);
                return;
            }
            switch (command) {
                case HELLO, AUTH -> {
                    if (error == null) {
                        onReady(ctx);
                    } else {
                        String what = command.equals(AUTH) ? "the credentials" : "PING";
                        if (refusals++ == 0 || !error.equals(lastRefusal)) {
                            // once per streak: every reconnect is refused the same way until someone fixes it
                            LOG.error("Redis at {} refused {}: {} (retrying with backoff; repeats are logged at DEBUG)",
                                    description, what, LogText.escape(error));
                        } else {
                            LOG.debug("Redis at {} refused {} again ({} times): {}", description, what, refusals,
                                    LogText.escape(error));
                        }
                        lastRefusal = error;
                        if (helloDone != null) {
                            helloDone.completeExceptionally(new SourceException(error));
                        }
                        ctx.close();
                    }
                }
                case LAG -> {
                    lagProbeOutstanding = false;
                    shedding = false;
                    reportShed();
                }
                case PING -> {
                    if (resubscribing) {
                        resubscribing = false;
                        events.resubscribed();
                    }
                }
                default -> {
                    if (error != null) {
                        forget(command); // refused (an ACL, say): not re-sent after a reconnect either
                    }
                    completeWaiting(command, error == null ? null : new SourceException(
                        command.toUpperCase(java.util.Locale.ROOT).replaceFirst(" .*", "") + " "
                                + command.substring(command.indexOf(' ') + 1) + " on " + description + " failed: "
                                + error));
                }
            }
        }

        private void forget(String command) {
            String name = command.substring(command.indexOf(' ') + 1);
            synchronized (lock) {
                if (command.startsWith("subscribe ")) {
                    channels.remove(name);
                } else if (command.startsWith("psubscribe ")) {
                    patterns.remove(name);
                }
            }
        }

        private void reportShed() {
            if (shed > 0 && !closed) {
                long count = shed;
                shed = 0;
                events.shed(count);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            boolean wasReady = ready;
            ready = false;
            awaiting.clear();
            if (lagProbe != null) {
                lagProbe.cancel(false);
            }
            if (helloTimeout != null) {
                helloTimeout.cancel(false);
            }
            stalled = false;
            lagProbeOutstanding = false;
            shedding = false;
            reportShed();
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
