package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pushline.ClientRegistry;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SourceState;
import io.pushline.Topics;
import io.pushline.internal.MessageAccess;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.WebSocketFrames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source's listener: frames each message once and hands the shared frame to the {@link Outbox} of every
 * event loop that has subscribers, with that loop's subscriber snapshot. Runs on the source's thread; never
 * blocks, never locks.
 */
final class FanOut implements MessageListener {
    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);
    /** The server's notice that a topic's messages were lost. */
    static final String LOST_TOPIC = "$lost";

    private final ClientRegistry<NettyClient> registry;
    private final Outbox[] outboxes;
    private final Framing framing;
    private final ByteBufAllocator alloc;
    private final PushListener listener;
    private final boolean commands;
    private final ServerMetrics metrics;
    private volatile boolean stopped;
    private static final long SHED_WARNING_INTERVAL_NANOS = 60_000_000_000L;
    /** When the last shedding warning was logged (any source thread). */
    private final AtomicLong lastShedWarning = new AtomicLong();

    FanOut(ClientRegistry<NettyClient> registry, Outbox[] outboxes, Framing framing, ByteBufAllocator alloc,
            PushListener listener, Protocol protocol, ServerMetrics metrics) {
        this.commands = protocol == Protocol.COMMANDS;
        this.metrics = metrics;
        this.registry = registry;
        this.outboxes = outboxes;
        this.framing = framing;
        this.alloc = alloc;
        this.listener = listener;
    }

    @Override
    public void onMessage(Message message) {
        deliver(message, null);
    }

    @Override
    public void onPatternMessage(String pattern, Message message) {
        deliver(message, pattern);
    }

    @Override
    public void onStateChange(SourceState state) {
        if (state == SourceState.DOWN) {
            LOG.warn("message source is down; it reconnects by itself and clients stay connected");
        } else if (state == SourceState.DEGRADED) {
            LOG.warn("message source is degraded: part of the broker is unreachable; it reconnects by itself");
        } else {
            LOG.info("message source is {}", state);
        }
        metrics.sourceState(state);
        listener.sourceStateChanged(state);
    }

    @Override
    public void onResubscribed() {
        LOG.info("message source re-subscribed every topic and pattern that has clients");
        listener.sourceResubscribed();
    }

    @Override
    public void onTopicsResubscribed(Set<String> topics) {
        LOG.info("message source re-subscribed {} topics that had lost their subscription", topics.size());
        listener.sourceResubscribed();
    }

    @Override
    public void onMessagesDropped(DropReason reason, long count) {
        metrics.dropped(reason, count);
        if (reason != DropReason.SERVER_OVERLOADED) {
            LOG.debug("the message source dropped {} messages ({})", count, reason);
            return;
        }
        long now = System.nanoTime();
        long last = lastShedWarning.get();
        if ((last == 0 || now - last > SHED_WARNING_INTERVAL_NANOS) && lastShedWarning.compareAndSet(last, now)) {
            LOG.warn("the message source fell behind its broker and skipped {} messages to avoid being cut off "
                    + "(the server cannot keep up with the publish rate; next report in a minute at most, "
                    + "counted as {} drops)", count, DropReason.SERVER_OVERLOADED);
        } else {
            LOG.debug("the message source skipped {} messages", count);
        }
    }

    /**
     * Tells a topic's {@code commands} clients that messages of it were lost: {@code MSG $lost <position> <topic>},
     * where live messages go on after {@code continueFrom}. Called under the topic's {@link Sequencer} lock.
     */
    void lost(String topic, Position continueFrom) {
        if (stopped) {
            return;
        }
        metrics.topicsLost.increment();
        if (!commands) {
            return;
        }
        Message notice = Message.wrap(LOST_TOPIC, topic.getBytes(StandardCharsets.UTF_8), continueFrom);
        ByteBuf frame = null;
        ByteBuf wsFrame = null;
        try {
            for (int p = 0; p < outboxes.length; p++) {
                List<NettyClient> clients = registry.subscribers(topic, p);
                if (clients.isEmpty()) {
                    continue;
                }
                if (frame == null) {
                    byte[] header = Frames.commandsHeader(notice);
                    frame = Frames.commandsPush(alloc, framing, header, notice);
                    wsFrame = webSocketClients() ? WebSocketFrames.push(alloc, header, notice) : null;
                }
                outboxes[p].offer(frame.retain(), wsFrame == null ? null : wsFrame.retain(), notice, null, clients);
            }
        } finally {
            release(frame, wsFrame);
        }
    }

    /** Stops delivering: messages that arrive from now on are ignored (used while the server closes). */
    void stop() {
        stopped = true;
    }

    /** Releases the deliveries still queued for the event loops; only once they have terminated. */
    void discardQueued() {
        for (Outbox outbox : outboxes) {
            outbox.discardAll();
        }
    }

    long unframeableMessages() {
        return metrics.droppedCount(DropReason.NOT_FRAMEABLE) + metrics.droppedCount(DropReason.TOO_LONG);
    }

    private void deliver(Message message, String pattern) {
        if (stopped) {
            return;
        }
        if (pattern != null && Topics.isReserved(message.topic())) {
            // only a pattern can bring one (SUB refuses them): never let a broker message pose as a server notice
            metrics.dropped(DropReason.INVALID_TOPIC);
            return;
        }
        metrics.messagesReceived.increment();
        ByteBuf frame = null;
        ByteBuf wsFrame = null;
        try {
            for (int p = 0; p < outboxes.length; p++) {
                List<NettyClient> clients = pattern == null
                        ? registry.subscribers(message.topic(), p)
                        : registry.patternSubscribers(pattern, p);
                if (clients.isEmpty()) {
                    continue;
                }
                if (frame == null) {
                    byte[] header = commands ? Frames.commandsHeader(message) : null; // once for both transports
                    frame = frame(message, header);
                    if (frame == null) {
                        return;
                    }
                    if (webSocketClients()) {
                        wsFrame = WebSocketFrames.push(alloc, header, message);
                    }
                }
                outboxes[p].offer(frame.retain(), wsFrame == null ? null : wsFrame.retain(), message, pattern,
                        clients);
            }
        } finally {
            release(frame, wsFrame);
        }
    }

    /** How many of one event loop's clients are behind (used on that loop only). */
    LoopLoad load(int partition) {
        return outboxes[partition].load;
    }

    /** Whether WebSocket clients are connected: only then is each message also encoded for WebSocket here. */
    private boolean webSocketClients() {
        return metrics.webSocketConnections.get() > 0;
    }

    private static void release(ByteBuf frame, ByteBuf wsFrame) {
        if (frame != null) {
            frame.release();
        }
        if (wsFrame != null) {
            wsFrame.release();
        }
    }

    /**
     * Frames a message once for all its clients, with its {@code commands} header (null on {@code raw}), or returns
     * null (counted and logged) when it cannot be sent.
     */
    private ByteBuf frame(Message message, byte[] header) {
        int length = message.payloadLength() + (header == null ? 0 : header.length);
        DropReason reason = null;
        if (length > framing.maxFrameLength()) {
            reason = DropReason.TOO_LONG;
        } else if (!framing.canFrame(message)) {
            reason = DropReason.NOT_FRAMEABLE;
        }
        if (reason == null) {
            return header == null ? Frames.frame(alloc, framing, MessageAccess.payloadArray(message))
                    : Frames.commandsPush(alloc, framing, header, message);
        }
        metrics.dropped(reason);
        long count = unframeableMessages();
        String why = reason == DropReason.TOO_LONG
                ? "is longer than the maximum frame length " + framing.maxFrameLength()
                : "contains CR or LF, which " + framing + " cannot carry";
        if (count == 1 || count % 1_000 == 0) {
            LOG.warn("not sent: {} {} ({} unsendable messages so far)", message, why, count);
        } else {
            LOG.debug("not sent: {} {}", message, why);
        }
        listener.messageDropped(message, reason);
        return null;
    }
}
