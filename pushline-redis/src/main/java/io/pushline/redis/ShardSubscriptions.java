package io.pushline.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The shard channels one subscriber connection of a {@link RedisClusterMessageSource} holds on one master: the
 * {@link Subscriptions} of sharded Pub/Sub. The {@link ClusterSubscriber} assigns and releases channels; this class
 * brings Redis in line with a batched {@code SSUBSCRIBE} or {@code SUNSUBSCRIBE} per slot (Redis refuses a command
 * whose channels span slots), at most {@link PubSubConnection#MAX_BATCH} channels each, once per turn of the event
 * loop however many changes came in it. It tells the subscriber what Redis confirmed, refused
 * ({@code MOVED}...) or ended by itself (a pushed {@code sunsubscribe}: the slot left the node, by migration or
 * failover). Only touched on the source's event loop.
 */
final class ShardSubscriptions implements Subscriptions {
    /** What Redis's answers mean to the subscriber. On the event loop. */
    interface Owner {
        /** Redis confirmed the channel on this connection. */
        void confirmed(ShardSubscriptions shard, String channel);

        /** Redis refused to subscribe the channel here ({@code error} is its reply). */
        void refused(ShardSubscriptions shard, String channel, String error);

        /** Redis ended the channel's subscription by itself: its slot is no longer served here. */
        void lost(ShardSubscriptions shard, String channel);

        /** The connection closed; {@code held} is how many channels it held. */
        void disconnected(ShardSubscriptions shard, int held);
    }

    private final Owner owner;
    private final String address;
    /** What should be subscribed here, in the order it was assigned. */
    private final Set<String> assigned = new LinkedHashSet<>();
    /** What Redis will hold once it has run every command written: confirmed, or asked for and not refused. */
    private final Set<String> expected = new HashSet<>();
    /** What Redis confirmed on this connection. */
    private final Set<String> held = new HashSet<>();
    /** The futures of released channels, completed once Redis confirmed the unsubscription. */
    private final Map<String, List<CompletableFuture<Void>>> releasing = new HashMap<>();
    private PubSubConnection connection;
    private boolean syncScheduled;

    ShardSubscriptions(Owner owner, String address) {
        this.owner = owner;
        this.address = address;
    }

    /** The connection this belongs to (set once, right after both are made). */
    void connection(PubSubConnection c) {
        this.connection = c;
    }

    PubSubConnection connection() {
        return connection;
    }

    /** The master's address, {@code host:port}. */
    String address() {
        return address;
    }

    /** Subscribes the channel here (soon, batched). */
    void assign(String channel) {
        assigned.add(channel);
        if (expected.contains(channel)) {
            complete(releasing.remove(channel)); // released and assigned again before Redis heard of it
        }
        scheduleSync();
    }

    /**
     * Unsubscribes the channel here (soon, batched).
     *
     * @param done completed once Redis confirmed; at once when the connection is up and holds nothing of it; when it
     *     is down, once it is back (a new connection holds nothing); may be null
     */
    void release(String channel, CompletableFuture<Void> done) {
        assigned.remove(channel);
        if (expected.contains(channel) || connection == null || !connection.isReady()) {
            if (done != null) {
                releasing.computeIfAbsent(channel, k -> new ArrayList<>()).add(done);
            }
            scheduleSync();
        } else if (done != null) {
            done.complete(null);
        }
    }

    /** How many channels are assigned here. */
    int size() {
        return assigned.size();
    }

    /** The channels assigned here, in the order they were assigned (a copy). */
    List<String> channels() {
        return new ArrayList<>(assigned);
    }

    boolean isHeld(String channel) {
        return held.contains(channel);
    }

    /** The connection is being closed for good: what waits for an unsubscription is done (nothing stays held). */
    void retire() {
        releasing.values().forEach(ShardSubscriptions::complete);
        releasing.clear();
        assigned.clear();
    }

    private void scheduleSync() {
        if (!syncScheduled && connection != null) {
            syncScheduled = true;
            connection.loop().execute(this::sync);
        }
    }

    /** Sends what differs between what is assigned and what Redis will hold: per slot, unsubscriptions first. */
    private void sync() {
        syncScheduled = false;
        if (!connection.isReady()) {
            return; // connected() subscribes everything assigned
        }
        List<String> leave = new ArrayList<>();
        for (String channel : expected) {
            if (!assigned.contains(channel)) {
                leave.add(channel);
            }
        }
        List<String> join = new ArrayList<>();
        for (String channel : assigned) {
            if (!expected.contains(channel)) {
                join.add(channel);
            }
        }
        leave.forEach(expected::remove);
        expected.addAll(join);
        send("sunsubscribe", leave);
        send("ssubscribe", join);
        connection.flush();
    }

    private void send(String verb, List<String> channels) {
        Map<Integer, List<String>> bySlot = new TreeMap<>();
        for (String channel : channels) {
            bySlot.computeIfAbsent(RedisKeys.slot(channel), k -> new ArrayList<>()).add(channel);
        }
        for (List<String> slot : bySlot.values()) {
            for (int i = 0; i < slot.size(); i += PubSubConnection.MAX_BATCH) {
                int end = Math.min(slot.size(), i + PubSubConnection.MAX_BATCH);
                connection.send(verb, List.copyOf(slot.subList(i, end)));
            }
        }
    }

    @Override
    public void connected(PubSubConnection c) {
        expected.clear();
        held.clear();
        releasing.values().forEach(ShardSubscriptions::complete); // a new connection holds nothing
        releasing.clear();
        sync();
    }

    private static void complete(List<CompletableFuture<Void>> futures) {
        if (futures != null) {
            futures.forEach(f -> f.complete(null));
        }
    }

    @Override
    public void answered(String verb, String channel, String error) {
        if (verb.equals("sunsubscribe")) {
            held.remove(channel); // refused or not, it is not held here (a moved slot answers MOVED)
            if (!expected.contains(channel)) {
                complete(releasing.remove(channel));
            }
            return;
        }
        if (error != null) {
            expected.remove(channel);
            if (assigned.contains(channel)) {
                owner.refused(this, channel, error);
            }
            return;
        }
        held.add(channel);
        if (assigned.contains(channel)) {
            owner.confirmed(this, channel);
        } else {
            scheduleSync(); // released while the subscription was on its way: unsubscribe it
        }
    }

    @Override
    public void unsubscribedByServer(String verb, String channel) {
        if (!verb.equals("sunsubscribe")) {
            return;
        }
        held.remove(channel);
        expected.remove(channel);
        complete(releasing.remove(channel));
        if (assigned.contains(channel)) {
            owner.lost(this, channel);
        }
    }

    @Override
    public void disconnected() {
        int count = held.size();
        held.clear();
        expected.clear(); // what waits for an unsubscription completes when a new connection is ready
        owner.disconnected(this, count);
    }

    @Override
    public String toString() {
        return address + " (" + assigned.size() + " channels, " + held.size() + " held)";
    }
}
