package io.pushline.netty.internal.server;

import io.pushline.Message;
import io.pushline.internal.MessageAccess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one client holds (its topics and patterns, as its protocol handler and the host see them) and the
 * exactly-once rule that needs them. Only touched on the client's event loop; created on first use (a connection
 * that never subscribes by itself never needs one).
 *
 * <p><b>The exactly-once rule.</b> The broker delivers one publish once per subscription that matches it, one right
 * after the other on the topic's thread (Redis: the channel's, then each pattern's), and the source passes them on
 * in that order. For a client holding a pattern, the first delivery of a publish is written; the next ones (same
 * topic, same payload, through a subscription not seen yet in this publish) are skipped. A delivery through a
 * subscription seen already starts the next publish, so two equal messages published in a row both arrive. No
 * pattern is matched here: what the broker decided to deliver is what counts, even while a subscription is still
 * being confirmed. The publish being delivered is remembered per topic, for the last few topics, so that deliveries
 * of other topics from other source threads may come in between; forgetting one can only cause a duplicate, never a
 * loss.
 */
final class HeldSubscriptions {
    /** How many topics' publishes are remembered at once. */
    private static final int RECENT_PUBLISHES = 8;

    final Set<String> topics = new HashSet<>(4);
    final Set<String> patterns = new HashSet<>(4);
    private Publish[] publishes;
    private int nextEvicted;

    /** Whether one publish may reach the client through several of its subscriptions. */
    boolean deduplicates() {
        return !patterns.isEmpty();
    }

    /**
     * Whether a delivery is to be written: it came through a subscription the client still holds and it is the
     * first delivery of its publish.
     *
     * @param pattern the pattern it came through, or null for the topic's own subscription
     */
    boolean firstOfItsPublish(Message message, String pattern) {
        if (pattern == null ? !topics.contains(message.topic()) : !patterns.contains(pattern)) {
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
        for (int i = 0; i < publishes.length && free == null; i++) {
            if (publishes[i] == null) {
                free = publishes[i] = new Publish();
            }
        }
        if (free == null) {
            free = publishes[nextEvicted];
            nextEvicted = (nextEvicted + 1) % publishes.length;
        }
        free.start(topic, payload, pattern);
        return true;
    }

    /**
     * The client ended a subscription: it no longer counts as seen in the publishes being delivered, and a publish
     * with nothing seen left is forgotten (a client that swapped one subscription for another between two equal
     * messages gets the second one).
     */
    void ended(String name, boolean pattern) {
        (pattern ? patterns : topics).remove(name);
        if (publishes == null) {
            return;
        }
        for (Publish p : publishes) {
            if (p != null && p.topic != null) {
                p.unsee(name, pattern);
            }
        }
    }

    /** The deliveries of one publish seen so far. */
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
}
