package io.pushline.redis;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;

/**
 * The commands a {@link PubSubConnection} wrote and Redis has not fully answered yet, oldest first. Redis answers in
 * order: a subscription command naming n channels gets n confirmations (one array each, naming its channel), or one
 * error; every other command (PING, AUTH) gets one reply. An unsubscription that matches no command awaiting it was
 * pushed by Redis itself. Only touched on the connection's I/O thread.
 */
final class AwaitedReplies {
    /** The kinds of array Redis confirms (or pushes) subscription changes with. */
    static final Set<String> SUBSCRIPTION_KINDS = Set.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe",
            "ssubscribe", "sunsubscribe");
    /** The first PING, when there are no credentials. */
    static final String HELLO = "hello";
    static final String AUTH = "auth";
    /** The PING after a re-subscription. */
    static final String PING = "ping";
    /** The lag probe's PING. */
    static final String LAG = "lag";

    /** A command written: a subscription command (names not empty) or one of the markers above. */
    static final class Request {
        final String verb;
        final List<String> names;
        int answered;

        Request(String verb, List<String> names) {
            this.verb = verb;
            this.names = names;
        }

        boolean isSubscription() {
            return !names.isEmpty();
        }
    }

    private final ArrayDeque<Request> awaiting = new ArrayDeque<>();

    /** A command was written. */
    void add(String verb, List<String> names) {
        awaiting.add(new Request(verb, names));
    }

    /**
     * A subscription array arrived: when it confirms the next name of the oldest command, counts it.
     *
     * @return whether it was the awaited confirmation (false: Redis sent it by itself)
     */
    boolean confirms(String kind, String name) {
        Request head = awaiting.peek();
        if (head == null || !head.isSubscription() || !head.verb.equals(kind)
                || !head.names.get(head.answered).equals(name)) {
            return false;
        }
        if (++head.answered == head.names.size()) {
            awaiting.poll();
        }
        return true;
    }

    /** Any other reply answers the oldest command whole; null when nothing was awaited. */
    Request poll() {
        return awaiting.poll();
    }

    /** The connection closed: nothing will be answered. */
    void clear() {
        awaiting.clear();
    }
}
