package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.WebSocketFrames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics of one client whose live messages are held while their history is read (a {@code SUB} on a topic
 * with history), so that the replay and the live messages can be joined without a gap or a duplicate. Once the
 * replay is written a hold becomes a fence at the history's top: live messages at or before it (the read can be
 * ahead of live delivery, which comes by another path) are dropped, until the first one after it passes and ends
 * the hold. Only touched on the client's event loop.
 */
final class Holds {
    private final Map<String, Hold> holds = new HashMap<>(2);

    boolean isEmpty() {
        return holds.isEmpty();
    }

    /** Whether a resume of the topic is waiting for its history (a fence alone does not count). */
    boolean holding(String topic) {
        Hold h = holds.get(topic);
        return h != null && h.fence == null;
    }

    /** Starts holding a topic's live messages, up to {@code maxBytes} of payload. */
    Hold begin(String topic, long maxBytes) {
        Hold h = new Hold(topic, maxBytes);
        holds.put(topic, h);
        return h;
    }

    /**
     * Decides about a live message of the client: returns null when it is to be written, else its hold (it was held,
     * or dropped at the fence).
     */
    Hold hold(Message m) {
        Hold h = holds.get(m.topic());
        if (h == null) {
            return null;
        }
        if (h.fence == null) {
            h.add(m);
            return h;
        }
        Position p = m.position();
        if (p != null && p.sameEpoch(h.fence) && p.offset() <= h.fence.offset()) {
            return h; // already in the replay, or before what the client asked for
        }
        holds.remove(h.topic, h);
        return null;
    }

    /** Turns a hold into a fence at {@code top}: from now on only what comes after it is written. */
    void fence(Hold hold, Position top) {
        hold.fence = top;
        if (top == null) {
            end(hold);
        }
    }

    /**
     * Right after the reply to a resume was written: writes the replayed messages {@code from} to the end of
     * {@code replay} (none when null), then the held live messages after {@code top} (all when null), and turns the
     * hold into a fence at {@code top}.
     */
    void finish(NettyClient client, Hold hold, Replay replay, int from, Position top) {
        fence(hold, top);
        if (!client.isOpen()) {
            end(hold);
            return;
        }
        List<NettyClient> toFlush = new ArrayList<>(1);
        if (replay != null && from < replay.read.messages().size()) {
            List<Message> replayed = replay.read.messages().subList(from, replay.read.messages().size());
            int to = replay.read.messages().size();
            ByteBuf frames = client.sharedWebSocketFrames() ? replay.webSocketFrames(client.framing(), from, to)
                    : replay.frames(client.framing(), from, to);
            try {
                if (client.write(frames, null, replayed, toFlush)) {
                    client.server().metrics().replayedMessages.add(replay.sendable(client.framing(), from));
                }
            } finally {
                frames.release();
            }
        }
        if (hold.overflow > 0) {
            client.droppedWhileHeld(hold.overflow); // DISCONNECT closed the connection; DROP let them go
        }
        for (Message m : hold.messages) {
            Position p = m.position();
            if (top != null && p != null && p.sameEpoch(top) && p.offset() <= top.offset()) {
                continue; // in the history read: replayed above, or before what the client asked for
            }
            end(hold); // live has passed the top: the fence is done
            byte[] header = Frames.commandsHeader(m);
            ByteBuf frame = client.sharedWebSocketFrames()
                    ? WebSocketFrames.push(client.channel().alloc(), header, m)
                    : Frames.commandsPush(client.channel().alloc(), client.framing(), header, m);
            try {
                client.write(frame, m, null, toFlush);
            } finally {
                frame.release();
            }
        }
        client.flushIfPending();
    }

    /** Stops holding (idempotent). */
    void end(Hold hold) {
        holds.remove(hold.topic, hold);
    }

    /** Stops holding a topic the client no longer holds. */
    void end(String topic) {
        holds.remove(topic);
    }

    /** The live messages held for one topic. */
    static final class Hold {
        final String topic;
        final List<Message> messages = new ArrayList<>();
        private final long maxBytes;
        private long bytes;
        /** More than {@code maxBytes} arrived: the held messages were let go. */
        boolean overflowed;
        /** How many messages were let go. */
        long overflow;
        /** Once the replay is written: the history's top, at or before which live messages are dropped. */
        Position fence;

        Hold(String topic, long maxBytes) {
            this.topic = topic;
            this.maxBytes = maxBytes;
        }

        private void add(Message m) {
            if (overflowed) {
                overflow++;
                return;
            }
            bytes += m.payloadLength();
            messages.add(m);
            if (bytes > maxBytes) {
                overflowed = true;
                overflow += messages.size();
                messages.clear();
            }
        }
    }
}
