package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.ssl.SslHandler;
import io.pushline.Authentication;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.TopicAuthorizer;
import io.pushline.internal.MessageAccess;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.internal.LogText;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One connection: the {@link Client} that hooks see, and the target of fan-out writes. */
final class NettyClient implements Client {
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
    /** Only touched on the event loop: the last push was dropped (a run of drops counts one slow-consumer event). */
    private boolean dropping;
    /** Only touched on the event loop: drops not yet reported to a {@code commands} client. */
    private long droppedSinceHint;
    private volatile CloseReason closeReason;
    /** Set on the event loop once the client authenticated (always true without an authenticator). */
    private volatile boolean authenticated;
    private volatile Authentication authentication;
    /** Only touched on the event loop: ends the connection when the authentication expires. */
    private ScheduledFuture<?> expiry;
    /**
     * This client's topics and patterns as its protocol handler sees them, for the one-delivery rule between a
     * topic and patterns; only touched on the event loop, created on first use (most connections never need them).
     */
    private Set<String> topicsOnLoop;
    private Set<String> patternsOnLoop;
    /** Only touched on the event loop: the publishes being delivered, per topic, for the exactly-once rule. */
    private Publish[] publishes;
    private int nextEvicted;
    /** How many topics' publishes a client with patterns remembers at once. */
    private static final int RECENT_PUBLISHES = 8;

    NettyClient(String id, Channel channel, int partition, ServerContext server) {
        this.authenticated = server.config().authenticator() == null;
        this.id = id;
        this.channel = channel;
        this.partition = partition;
        this.framing = server.config().framing();
        this.server = server;
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
        SslHandler tls = (SslHandler) channel.pipeline().get(PushChannelInitializer.TLS);
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            return Optional.empty();
        }
        try {
            return Optional.of(tls.engine().getSession().getPeerPrincipal());
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return Optional.empty(); // TLS without a client certificate: no principal, by design
        }
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
        if (!channel.isWritable()) {
            if (server.config().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT) {
                onLoop(() -> slowConsumer("frames sent by the host"));
            } else {
                server.metrics().dropped(DropReason.SLOW_CONSUMER);
            }
            return false;
        }
        channel.writeAndFlush(Frames.frame(channel.alloc(), framing, payload), channel.voidPromise());
        return true;
    }

    private void onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }

    @Override
    public void close() {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    Channel channel() {
        return channel;
    }

    int partition() {
        return partition;
    }

    /**
     * Queues a shared frame for this client, on its event loop; the caller flushes later through
     * {@link #flushIfPending()}. The frame is not consumed: a retained duplicate is written. {@code pattern} is the
     * subscription it came through (null for the topic itself).
     */
    boolean push(ByteBuf frame, Message message, String pattern, List<NettyClient> toFlush) {
        if (deduplicates() && !firstOfItsPublish(message, pattern)) {
            return false;
        }
        return write(frame, message, null, toFlush);
    }

    /**
     * Queues a run of topic pushes joined into one buffer ({@code messages}, in order), on the event loop; like
     * {@link #push} but one write for all of them. A slow consumer is handled as if each message were pushed alone.
     * Not for a client that {@link #deduplicates()}.
     */
    boolean pushAll(ByteBuf frames, List<Message> messages, List<NettyClient> toFlush) {
        return write(frames, null, messages, toFlush);
    }

    /**
     * Whether this client holds a pattern, so that one publish may reach it through several subscriptions (the
     * broker delivers it once per matching subscription) and only the first may be written. On the event loop.
     */
    boolean deduplicates() {
        return patternsOnLoop != null && !patternsOnLoop.isEmpty();
    }

    /**
     * The exactly-once rule for a client with patterns. The broker delivers one publish once per subscription that
     * matches it, one right after the other on the topic's thread (Redis: the channel's, then each pattern's), and
     * the source passes them on in that order. The first delivery of a publish is written; the next ones (same
     * topic, same payload, through a subscription not seen yet in this publish) are skipped. A delivery through a
     * subscription seen already starts the next publish, so two equal messages published in a row both arrive. No
     * pattern is matched here: what the broker decided to deliver is what counts, even while a subscription is still
     * being confirmed. The publish being delivered is remembered per topic (for the last few topics), so that
     * deliveries of other topics from other source threads may come in between.
     */
    private boolean firstOfItsPublish(Message message, String pattern) {
        if (pattern == null ? topicsOnLoop == null || !topicsOnLoop.contains(message.topic())
                : !patternsOnLoop.contains(pattern)) {
            return false; // a subscription the client has just ended
        }
        if (publishes == null) {
            publishes = new Publish[RECENT_PUBLISHES];
        }
        byte[] payload = MessageAccess.payloadArray(message);
        String topic = message.topic();
        Publish free = null;
        for (Publish p : publishes) {
            if (p == null) {
                continue;
            }
            if (p.topic == null) {
                free = free == null ? p : free;
                continue;
            }
            if (p.topic.equals(topic)) {
                if ((p.payload == payload || Arrays.equals(p.payload, payload)) && !p.seen(pattern)) {
                    p.see(pattern);
                    return false;
                }
                p.start(topic, payload, pattern);
                return true;
            }
        }
        if (free == null) {
            for (int i = 0; i < publishes.length && free == null; i++) {
                if (publishes[i] == null) {
                    free = publishes[i] = new Publish();
                }
            }
        }
        if (free == null) {
            // more topics at once than remembered: forgetting one can only cause a duplicate, never a loss
            free = publishes[nextEvicted];
            nextEvicted = (nextEvicted + 1) % publishes.length;
        }
        free.start(topic, payload, pattern);
        return true;
    }

    /**
     * On the event loop, when the client ends a subscription: it no longer counts as seen in the publishes being
     * delivered, and a publish with nothing seen left is forgotten (a client that swapped one subscription for
     * another between two equal messages gets the second one).
     */
    void subscriptionEnded(String topicOrPattern, boolean pattern) {
        if (publishes == null) {
            return;
        }
        for (Publish p : publishes) {
            if (p != null && p.topic != null) {
                p.unsee(topicOrPattern, pattern);
            }
        }
    }

    /** The deliveries of one publish seen so far (on the event loop). */
    private static final class Publish {
        String topic;
        byte[] payload;
        boolean seenTopic;
        final List<String> seenPatterns = new ArrayList<>(2);

        void start(String topic, byte[] payload, String pattern) {
            this.topic = topic;
            this.payload = payload;
            this.seenTopic = false;
            this.seenPatterns.clear();
            see(pattern);
        }

        boolean seen(String pattern) {
            return pattern == null ? seenTopic : seenPatterns.contains(pattern);
        }

        void see(String pattern) {
            if (pattern == null) {
                seenTopic = true;
            } else {
                seenPatterns.add(pattern);
            }
        }

        void unsee(String name, boolean pattern) {
            if (pattern) {
                seenPatterns.remove(name);
            } else if (name.equals(topic)) {
                seenTopic = false;
            }
            if (!seenTopic && seenPatterns.isEmpty()) {
                topic = null;
                payload = null;
            }
        }
    }

    /**
     * Writes a retained duplicate of {@code frames} unless the client is full. They carry {@code message}, or the
     * {@code run} of messages when {@code message} is null (no list is made per delivery on the common path).
     */
    private boolean write(ByteBuf frames, Message message, List<Message> run, List<NettyClient> toFlush) {
        if (!channel.isActive()) {
            return false;
        }
        if (!channel.isWritable()) {
            onSlowConsumer(message != null ? List.of(message) : run);
            return false;
        }
        dropping = false;
        channel.write(frames.retainedDuplicate(), channel.voidPromise());
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
        if (droppedSinceHint == 0 || !channel.isActive()) {
            return;
        }
        if (server.config().protocol() == Protocol.COMMANDS) {
            channel.writeAndFlush(Frames.frame(channel.alloc(), framing, DROPPED_HINT + droppedSinceHint),
                    channel.voidPromise());
        }
        droppedSinceHint = 0;
    }

    boolean isAuthenticated() {
        return authenticated;
    }

    /**
     * Records a successful authentication (on the event loop), replacing an earlier one, and ends the connection
     * when it expires unless the client authenticates again first.
     */
    void authenticated(Authentication auth) {
        this.authentication = auth;
        this.authenticated = true;
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        auth.expiresAt().ifPresent(at -> {
            long delay = Math.max(0, Duration.between(Instant.now(), at).toNanos());
            expiry = channel.eventLoop().schedule(() -> expire(auth), delay, TimeUnit.NANOSECONDS);
        });
    }

    private void expire(Authentication auth) {
        if (authentication != auth || !channel.isActive()) {
            return;
        }
        LOG.debug("{}: authentication as {} expired, closing", this, LogText.escape(auth.principal()));
        closeReason(CloseReason.AUTH_EXPIRED);
        channel.writeAndFlush(Frames.frame(channel.alloc(), framing, "-ERR unauthorized: expired"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Cancels the expiry timer when the connection ends. */
    void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    @Override
    public Optional<String> principal() {
        Authentication auth = authentication;
        return auth == null ? Optional.empty() : Optional.of(auth.principal());
    }

    /** Who this client is for authorization: its authenticated name, else its TLS certificate's subject. */
    String principalForAuthorization() {
        Authentication auth = authentication;
        return auth != null ? auth.principal() : peerPrincipal().map(Principal::getName).orElse(null);
    }

    /** Asks the authorizer; a failing authorizer denies. */
    boolean authorized(String name, boolean pattern, TopicAuthorizer.Action action) {
        try {
            return server.config().authorizer().authorize(this, principalForAuthorization(), name, pattern, action);
        } catch (RuntimeException e) {
            LOG.warn("{}: authorizer failed on {} {}, denying", this, action, name, e);
            return false;
        }
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

    Set<String> topicsOnLoop() {
        if (topicsOnLoop == null) {
            topicsOnLoop = new HashSet<>(4);
        }
        return topicsOnLoop;
    }

    Set<String> patternsOnLoop() {
        if (patternsOnLoop == null) {
            patternsOnLoop = new HashSet<>(4);
        }
        return patternsOnLoop;
    }

    /** Closes after queued writes, telling a {@code commands} client why first when {@code reason} is set. */
    void closeWith(String reason) {
        closeReason(CloseReason.SERVER_SHUTDOWN);
        ByteBuf last = reason == null ? Unpooled.EMPTY_BUFFER : Frames.frame(channel.alloc(), framing, "-ERR " + reason);
        channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }

    void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            channel.flush();
        }
    }

    /** The outbound buffer is full: drops {@code messages} (counted in bulk) or disconnects, per the policy. */
    private void onSlowConsumer(List<Message> messages) {
        SlowConsumerPolicy policy = server.config().slowConsumerPolicy();
        if (policy == SlowConsumerPolicy.DROP) {
            droppedSinceHint += messages.size();
            server.metrics().dropped(DropReason.SLOW_CONSUMER, messages.size());
            if (!dropping) {
                dropping = true;
                LOG.debug("{}: outbound buffer full, dropping until it drains", this);
                server.metrics().slowConsumers.increment();
                server.listener().slowConsumer(this, policy);
            }
            if (!SafeListener.isSilent(server.listener())) {
                for (Message message : messages) {
                    server.listener().messageDropped(message, DropReason.SLOW_CONSUMER);
                }
            }
            return;
        }
        slowConsumer("pushes");
    }

    /**
     * Disconnects this client as a slow consumer (on the event loop): its outbound buffer is over the bound and
     * {@code what} would have queued more. Reported once.
     */
    void slowConsumer(String what) {
        if (!channel.isActive() || closeReason == CloseReason.SLOW_CONSUMER) {
            return;
        }
        LOG.info("client {} {}: slow consumer (more than {} bytes queued, {} waiting), disconnecting", id,
                channel.remoteAddress(), server.config().maxQueuedBytes(), what);
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
