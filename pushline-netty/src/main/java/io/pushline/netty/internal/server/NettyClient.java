package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundInvoker;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.SlowConsumerPolicy;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import io.pushline.internal.LogText;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.internal.Frames;
import java.net.SocketAddress;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection: the {@link Client} that hooks and the host see, and the target of fan-out writes. Every write to
 * the connection counts against its outbound bound. Thread-safe where {@link Client} says so; the rest runs on the
 * channel's event loop.
 */
public final class NettyClient implements Client {
    private static final Logger LOG = LoggerFactory.getLogger(NettyClient.class);
    /** The push that tells a {@code commands} client how many messages the DROP policy cost it. */
    static final String DROPPED_HINT = "MSG $dropped - ";

    private final String id;
    private final Channel channel;
    private final int partition;
    private final Framing framing;
    private final ServerContext server;
    /** Only touched on the channel's event loop: a flush is owed after this batch. */
    private boolean flushPending;
    /** Only touched on the event loop: drops not yet reported to a {@code commands} client. */
    private long droppedSinceHint;
    /** Only touched on the event loop: null until the client first fell behind (over the soft outbound limit). */
    private Backlog backlog;
    private volatile CloseReason closeReason;
    /** Its authentication and authorization. */
    private final ClientAuth auth;
    /** Only touched on the event loop; null until the client holds something. */
    private HeldSubscriptions held;
    /** Only touched on the event loop; null until the client resumes a topic. */
    private Holds holds;
    /** Only touched on the event loop: whether the client is in the registry, and host subscriptions made before. */
    private boolean registered;
    private List<Runnable> beforeRegistration;
    /** Where pushes are written: the channel, or on WebSocket the context under the frame converter. */
    private ChannelOutboundInvoker out;
    /** Set once on the loop when the WebSocket upgrade completes; read by the Outbox on the same loop. */
    private boolean webSocket;
    /** On WebSocket: pushes go out as frames encoded once for every client (false when compression is on). */
    private boolean sharedWebSocketFrames;

    NettyClient(String id, Channel channel, int partition, ServerContext server) {
        this.id = id;
        this.channel = channel;
        this.partition = partition;
        this.framing = server.config().framing();
        this.server = server;
        this.auth = new ClientAuth(this, server);
        this.out = channel;
    }

    /** On the loop, once upgraded: pushes go under {@code converter} encoded once, or (compressed) through it. */
    void webSocketOpened(ChannelHandlerContext converter, boolean compressed) {
        webSocket = true;
        sharedWebSocketFrames = !compressed;
        out = compressed ? channel : converter;
    }

    /** On the loop: whether this is a WebSocket connection. */
    boolean webSocket() {
        return webSocket;
    }

    /** On the loop: whether pushes to it are the shared WebSocket encoding (else the shared TCP framing). */
    boolean sharedWebSocketFrames() {
        return sharedWebSocketFrames;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public Optional<Principal> peerPrincipal() {
        return ClientAuth.peerPrincipal(channel);
    }

    @Override
    public Optional<String> principal() {
        return auth.principal();
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    /**
     * Queues one frame from host code (an echo, a reply of the host's own). It counts against the connection's
     * outbound bound like a push: over the bound it is dropped (and {@code false} returned) or the client is
     * disconnected as a slow consumer, as the slow-consumer policy says.
     */
    @Override
    public boolean send(byte[] payload) {
        if (!channel.isActive() || payload.length > framing.maxFrameLength() || !Frames.canFrame(framing, payload)) {
            return false;
        }
        if (!channel.isWritable() && (channel.eventLoop().inEventLoop() ? overLimit() : Backlog.overHardLimit(this))) {
            if (server.config().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT) {
                onLoop(() -> slowConsumer("frames sent by the host waiting"));
            } else {
                server.metrics().dropped(DropReason.SLOW_CONSUMER);
            }
            return false;
        }
        channel.writeAndFlush(Frames.frame(channel.alloc(), framing, payload), channel.voidPromise());
        return true;
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        String problem = server.config().source().capabilities().dialect().topicProblem(topic);
        if (problem == null && Topics.isReserved(topic)) {
            problem = "reserved for the server";
        }
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(Checks.describe("topic", topic,
                    problem)));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        onLoop(() -> whenRegistered(() -> {
            if (!channel.isActive()) {
                result.completeExceptionally(new PushlineException("client " + id + " is disconnected"));
                return;
            }
            if (server.config().protocol() == Protocol.COMMANDS) {
                held().topics.add(topic); // so that UNSUB ends it, and for the exactly-once rule
            }
            server.subscriptions().subscribe(this, topic).whenComplete((ok, error) -> {
                if (error == null) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(error);
                }
            });
        }));
        return result;
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        Objects.requireNonNull(topic, "topic");
        CompletableFuture<Void> result = new CompletableFuture<>();
        onLoop(() -> whenRegistered(() -> {
            if (held != null) {
                held.ended(topic, false);
            }
            if (holds != null) {
                holds.end(topic);
            }
            server.subscriptions().unsubscribe(this, topic); // the registry knows whether it was subscribed
            result.complete(null);
        }));
        return result;
    }

    @Override
    public void disconnect(String reason) {
        Objects.requireNonNull(reason, "reason");
        onLoop(() -> {
            if (!channel.isActive()) {
                return;
            }
            LOG.debug("{}: disconnected by the host: {}", this, LogText.escape(reason));
            // one line of text: no CR or LF may reach the wire inside a line
            String text = reason.replace('\r', ' ').replace('\n', ' ');
            closeWith(CloseReason.DISCONNECTED, server.config().protocol() == Protocol.COMMANDS
                    ? "disconnected: " + text : null);
        });
    }

    @Override
    public void close() {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Returns the connection's channel.
     *
     * @return the channel
     */
    public Channel channel() {
        return channel;
    }

    int partition() {
        return partition;
    }

    private void onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }

    /** On the loop: runs {@code task} now when the client is registered, or right after it is. */
    private void whenRegistered(Runnable task) {
        if (registered || !channel.isActive()) {
            task.run();
        } else {
            if (beforeRegistration == null) {
                beforeRegistration = new ArrayList<>(1);
            }
            beforeRegistration.add(task);
        }
    }

    /** On the loop, once the registry holds the client: runs what the host asked for before. */
    void registered() {
        registered = true;
        load().opened();
        if (beforeRegistration != null) {
            List<Runnable> tasks = beforeRegistration;
            beforeRegistration = null;
            tasks.forEach(Runnable::run);
        }
    }

    /** On the loop: what the client holds, created on first use. */
    HeldSubscriptions held() {
        if (held == null) {
            held = new HeldSubscriptions();
        }
        return held;
    }

    /** On the loop: ends a subscription the client holds, at the broker too when it was the last one. */
    void unsubscribeNow(String name, boolean pattern) {
        if (holds != null && !pattern) {
            holds.end(name);
        }
        if (held != null && (pattern ? held.patterns : held.topics).contains(name)) {
            held.ended(name, pattern);
            if (pattern) {
                server.subscriptions().punsubscribe(this, name);
            } else {
                server.subscriptions().unsubscribe(this, name);
            }
        }
    }

    /**
     * Queues a shared frame for this client, on its event loop; the caller flushes later through
     * {@link #flushIfPending()}. The frame is not consumed: a retained duplicate is written. {@code pattern} is the
     * subscription it came through (null for the topic itself).
     */
    boolean push(ByteBuf frame, Message message, String pattern, List<NettyClient> toFlush) {
        if (pattern == null && Topics.isReserved(message.topic())) {
            return write(frame, message, null, toFlush); // a server notice about a topic ($lost)
        }
        if (deduplicates() && !held.firstOfItsPublish(message, pattern)) {
            return false;
        }
        if (pattern == null && holds != null) {
            Holds.Hold hold = holds.hold(message);
            if (hold != null) {
                if (hold.overflowed && hold.fence == null
                        && server.config().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT) {
                    slowConsumer("live messages held while the topic's history is read");
                }
                return false;
            }
        }
        return write(frame, message, null, toFlush);
    }

    /** On the loop: the topics whose live messages are held while their history is read, created on first use. */
    Holds holds() {
        if (holds == null) {
            holds = new Holds();
        }
        return holds;
    }

    /**
     * On the loop, right after the reply to a resume was written: writes the replayed messages {@code from} to the
     * end of {@code replay} (none when null), then the held live messages after {@code top} (all when null), and
     * fences the topic at {@code top}.
     */
    void endHold(Holds.Hold hold, Replay replay, int from, Position top) {
        holds.finish(this, hold, replay, from, top);
    }

    /** On the loop: the DROP policy let {@code n} held messages go; the next hint counts them. */
    void droppedWhileHeld(long n) {
        dropped(n, DropReason.SLOW_CONSUMER);
    }

    /** On the loop: {@code n} pushes were dropped for {@code reason}; the next hint counts them. */
    void dropped(long n, DropReason reason) {
        droppedSinceHint += n;
        server.metrics().dropped(reason, n);
    }

    Framing framing() {
        return framing;
    }

    ServerContext server() {
        return server;
    }

    /**
     * Queues a run of topic pushes joined into one buffer ({@code messages}, in order), on the event loop; like
     * {@link #push} but one write for all of them. A slow consumer is handled as if each message were pushed alone.
     * Not for a client that {@link #deduplicates()}.
     */
    boolean pushAll(ByteBuf frames, List<Message> messages, List<NettyClient> toFlush) {
        return write(frames, null, messages, toFlush);
    }

    /** On the loop: whether one publish may reach this client through several subscriptions (it holds a pattern). */
    boolean deduplicates() {
        return held != null && held.deduplicates();
    }

    /** On the loop: whether pushes must be looked at one by one (deduplication, or a topic held for a resume). */
    boolean writesOneByOne() {
        return deduplicates() || (holds != null && !holds.isEmpty()) || (webSocket && !sharedWebSocketFrames);
    }

    /**
     * Writes a retained duplicate of {@code frames} unless the client is full. They carry {@code message}, or the
     * {@code run} of messages when {@code message} is null (no list is made per delivery on the common path).
     */
    boolean write(ByteBuf frames, Message message, List<Message> run, List<NettyClient> toFlush) {
        if (!channel.isActive()) {
            return false;
        }
        if (!channel.isWritable() && overLimit()) {
            backlog.overflow(message != null ? List.of(message) : run);
            return false;
        }
        if (backlog != null) {
            backlog.dropping = false;
        }
        out.write(frames.retainedDuplicate(), channel.voidPromise());
        if (!flushPending) {
            flushPending = true;
            toFlush.add(this);
        }
        return true;
    }

    /**
     * Called on the event loop when the outbound buffer drained below the low-water mark: tells a
     * {@code commands} client how many messages it missed, as {@code MSG $dropped - <count>}.
     */
    void onWritable() {
        if (backlog != null) {
            backlog.caughtUp();
        }
        if (droppedSinceHint == 0 || !channel.isActive()) {
            return;
        }
        if (server.config().protocol() == Protocol.COMMANDS) {
            channel.writeAndFlush(Frames.frame(channel.alloc(), framing, DROPPED_HINT + droppedSinceHint),
                    channel.voidPromise());
        }
        droppedSinceHint = 0;
    }

    /** Called on the event loop when the outbound buffer went over the soft limit: the client is behind from now. */
    void onUnwritable() {
        backlog().fellBehind();
    }

    /**
     * On the event loop, while the channel is not writable (it is behind): whether it is a slow consumer now, over
     * the hard outbound limit or behind for longer than the soft limit allows. Till then everything is queued for it.
     */
    boolean overLimit() {
        return backlog().overLimit();
    }

    /** On the loop, when the channel is closed: its loop no longer counts it among its clients, or those behind. */
    void closed() {
        boolean behind = backlog != null && backlog.closed();
        if (registered) {
            load().closed(behind);
        } else if (behind) {
            load().caughtUp();
        }
    }

    /** How many of the clients of this client's loop are behind (used on the loop only). */
    LoopLoad load() {
        return server.fanOut().load(partition);
    }

    private Backlog backlog() {
        if (backlog == null) {
            backlog = new Backlog(this);
        }
        return backlog;
    }

    /** Its authentication and the authorizer's decisions for it. */
    ClientAuth auth() {
        return auth;
    }

    /** Records why this connection ends; the first reason given wins. */
    void closeReason(CloseReason reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    CloseReason closeReason() {
        CloseReason r = closeReason;
        return r == null ? CloseReason.CLIENT : r;
    }

    /**
     * Closes after what is already queued, recording {@code why} and, when {@code error} is set, sending
     * {@code -ERR <error>} last.
     *
     * @param why the close reason
     * @param error the error text, or null to send nothing
     */
    public void closeWith(CloseReason why, String error) {
        closeReason(why);
        ByteBuf last = error == null ? Unpooled.EMPTY_BUFFER : Frames.frame(channel.alloc(), framing, "-ERR " + error);
        channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }

    void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            channel.flush();
        }
    }

    /**
     * Disconnects this client as a slow consumer (on the event loop): its outbound buffer is over the hard limit, or
     * over the soft one for too long, and {@code what} says why now. Reported once.
     */
    void slowConsumer(String what) {
        if (!channel.isActive() || closeReason == CloseReason.SLOW_CONSUMER) {
            return;
        }
        ServerLimits limits = server.config().limits();
        LOG.info("client {} {}: slow consumer ({} bytes queued, {}; limits {} bytes, or {} bytes for {}),"
                + " disconnecting", id, channel.remoteAddress(), Backlog.queuedBytes(channel), what,
                limits.maxQueuedBytes(), limits.softQueuedBytes(), limits.softQueuedDuration());
        server.metrics().slowConsumers.increment();
        closeReason(CloseReason.SLOW_CONSUMER);
        server.listener().slowConsumer(this, SlowConsumerPolicy.DISCONNECT);
        channel.close();
    }

    @Override
    public String toString() {
        return "client " + id + " " + channel.remoteAddress();
    }
}
