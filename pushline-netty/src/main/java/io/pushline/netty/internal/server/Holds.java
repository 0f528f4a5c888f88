package io.pushline.netty.internal.server;

import io.pushline.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics of one client whose live messages are held while their history is read (a {@code SUB} on a topic
 * with history), so that the replay and the live messages can be joined without a gap or a duplicate. Only touched
 * on the client's event loop.
 */
final class Holds {
    private final Map<String, Hold> holds = new HashMap<>(2);

    boolean isEmpty() {
        return holds.isEmpty();
    }

    boolean holding(String topic) {
        return holds.containsKey(topic);
    }

    /** Starts holding a topic's live messages, up to {@code maxBytes} of payload. */
    Hold begin(String topic, long maxBytes) {
        Hold h = new Hold(topic, maxBytes);
        holds.put(topic, h);
        return h;
    }

    /** Holds a live message of a held topic and returns its hold; null when its topic is not held. */
    Hold hold(Message m) {
        Hold h = holds.get(m.topic());
        if (h != null) {
            h.add(m);
        }
        return h;
    }

    /** Stops holding (idempotent); the held messages stay in {@code hold} for the caller. */
    void end(Hold hold) {
        holds.remove(hold.topic, hold);
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
