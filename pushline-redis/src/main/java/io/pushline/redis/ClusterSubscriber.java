package io.pushline.redis;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.SourceException;
import io.pushline.SourceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The subscribing side of a {@link RedisClusterMessageSource}: which shard channel goes to which master, one
 * subscriber connection per master that owns subscribed slots ({@link ShardSubscriptions}), and how subscriptions
 * follow the slots. A topic's slot is its CRC16 ({@link RedisKeys#slot}); its master comes from a
 * {@link ClusterTopology}, or, for a while after a {@code MOVED} reply, from that reply. The topology is refreshed
 * at once (at most every {@link TopologyRefresher#MIN_INTERVAL_NANOS} ns) when Redis ends a subscription by itself (a pushed
 * {@code sunsubscribe}: the slot migrated, or the master became a replica), refuses one ({@code MOVED},
 * {@code ASK}, {@code CLUSTERDOWN}...), or a connection drops or cannot be made; every {@link #TICK} while a shard
 * is down or a topic waits for its master; and at least every refresh period otherwise. A subscription moves when
 * its slot's master changed: released on the old connection, subscribed on the new one.
 *
 * <p>State: {@link SourceState#UP} while every connection that holds topics is up (a connection still being made
 * for the first time counts once it is up or has failed), {@link SourceState#DOWN} while none is,
 * {@link SourceState#DEGRADED} in between. After subscriptions were lost (a connection dropped, Redis ended some,
 * some moved) the listener hears {@code onTopicsResubscribed(topics)} (or {@code onResubscribed()} when every topic
 * was lost) once every topic is confirmed again and the state is UP: the server then repairs the gaps of those
 * topics with history.
 *
 * <p>Threading: confined to the source's event loop, which also runs every subscriber connection, so the listener
 * is called from that one thread, and a topic's messages never overlap or reorder when its subscription moves.
 * {@link #subscribe}, {@link #unsubscribe}, {@link #start} and {@link #close} may be called from any thread.
 */
final class ClusterSubscriber implements ShardSubscriptions.Owner, ClusterShard.Owner {
    /** How often the subscriber checks whether it needs a refresh (a shard down, a topic waiting for a master). */
    static final Duration TICK = Duration.ofMillis(500);
    /** How long a {@code MOVED} reply is trusted over a topology that says otherwise. */
    static final long REDIRECT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Makes the subscriber connection to one master, on the subscriber's event loop (not opened yet). */
    interface Connections {
        PubSubConnection create(String host, int port, PubSubEvents events, Subscriptions subscriptions);
    }

    private final EventLoop loop;
    private final TopologyRefresher refresher;
    private final Supplier<ClusterTopology> current;
    private final Connections connections;
    private final SourceEvents events;
    private final Logger log;
    private final long refreshPeriodNanos;

    // everything below: only on the event loop
    private final Map<String, Topic> topics = new HashMap<>();
    private final Map<String, ClusterShard> shards = new HashMap<>();
    /** The topics not confirmed on their master now. */
    private final Set<String> unconfirmed = new HashSet<>();
    private final Map<Integer, Redirect> redirects = new HashMap<>();
    private ClusterTopology topology;
    private SourceState state = SourceState.UP;
    private int unplaced;
    /** Unsubscriptions of topics not subscribed, made while the state was not UP: completed once it is. */
    private final List<CompletableFuture<Void>> noOps = new ArrayList<>();
    /** The topics whose subscription was lost since the listener last heard of a re-subscription. */
    private final Set<String> lost = new HashSet<>();
    private ScheduledFuture<?> ticker;
    private boolean closed;

    /**
     * @param refresher refreshes the topology (asks the cluster)
     * @param current the topology the Lettuce client holds now (refreshed by Lettuce too), without asking
     */
    ClusterSubscriber(EventLoop loop, Supplier<CompletableFuture<ClusterTopology>> refresher,
            Supplier<ClusterTopology> current, Connections connections, SourceEvents events, Logger log,
            Duration refreshPeriod) {
        this.loop = loop;
        this.refresher = new TopologyRefresher(loop, refresher, this::apply, log);
        this.current = current;
        this.connections = connections;
        this.events = events;
        this.log = log;
        this.refreshPeriodNanos = refreshPeriod.toNanos();
    }

    /** A subscribed topic: its slot, and the shard it is assigned to (null while its master is not known). */
    private static final class Topic {
        final String name;
        final int slot;
        ClusterShard shard;
        List<CompletableFuture<Void>> waiting;
        int retries;

        Topic(String name) {
            this.name = name;
            this.slot = RedisKeys.slot(name);
        }
    }

    /** A master named by a {@code MOVED} reply, trusted until {@code until}. */
    private record Redirect(String address, long until) {
    }

    /** Starts with the topology read at the source's start. */
    void start(ClusterTopology initial) {
        execute(() -> {
            topology = initial;
            ticker = loop.scheduleAtFixedRate(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    CompletableFuture<Void> subscribe(String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!execute(() -> doSubscribe(name, done))) {
            done.completeExceptionally(new SourceException("SSUBSCRIBE " + name + ": source is closed"));
        }
        return done;
    }

    CompletableFuture<Void> unsubscribe(String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!execute(() -> doUnsubscribe(name, done))) {
            done.completeExceptionally(new SourceException("SUNSUBSCRIBE " + name + ": source is closed"));
        }
        return done;
    }

    /** Fails what waits, closes every connection; returns once done on the loop (bounded). */
    void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!execute(() -> {
            doClose();
            done.complete(null);
        })) {
            return;
        }
        done.orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    /**
     * The topology and the connections now, for toString(): {@code 3 shards: host:port (slots ..., replicas ...);
     * ..., subscribed on [host:port (n channels, m held), ...]}.
     */
    String describe() {
        if (loop.inEventLoop()) {
            return topology + ", subscribed on " + shards.values().stream().map(s -> s.subs().toString()).sorted()
                    .toList();
        }
        CompletableFuture<String> d = new CompletableFuture<>();
        if (!execute(() -> d.complete(describe()))) {
            return "closed";
        }
        return d.completeOnTimeout("(no answer from the subscriber thread)", 1, TimeUnit.SECONDS).join();
    }

    @Override
    public boolean isLive(ClusterShard shard) {
        return !closed && shards.get(shard.address()) == shard;
    }

    @Override
    public void healthChanged(ClusterShard shard) {
        afterChange();
    }

    @Override
    public void refreshTopology() {
        requestRefresh();
    }

    private boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void doSubscribe(String name, CompletableFuture<Void> done) {
        if (closed) {
            done.completeExceptionally(new SourceException("SSUBSCRIBE " + name + ": source is closed"));
            return;
        }
        Topic t = topics.get(name);
        if (t == null) {
            t = new Topic(name);
            topics.put(name, t);
            unconfirmed.add(name);
            unplaced++;
            place(t);
        }
        if (unconfirmed.contains(name)) {
            if (t.waiting == null) {
                t.waiting = new ArrayList<>(1);
            }
            t.waiting.add(done);
        } else {
            done.complete(null);
        }
    }

    private void doUnsubscribe(String name, CompletableFuture<Void> done) {
        Topic t = topics.remove(name);
        if (t == null) {
            if (state == SourceState.UP) {
                done.complete(null); // nothing held anywhere
            } else {
                noOps.add(done); // while masters are unreachable, every change waits for them
            }
            return;
        }
        unconfirmed.remove(name);
        lost.remove(name);
        if (t.shard == null) {
            unplaced--;
            done.complete(null);
        } else {
            t.shard.subs().release(name, done);
        }
        settle(t, null); // a subscription still waiting is superseded: sets, not counters
        afterChange();
    }

    private void doClose() {
        closed = true;
        refresher.close();
        if (ticker != null) {
            ticker.cancel(false);
        }
        SourceException gone = new SourceException("source is closed");
        noOps.forEach(f -> f.completeExceptionally(gone));
        noOps.clear();
        topics.values().forEach(t -> settle(t, gone));
        topics.clear();
        shards.values().forEach(ClusterShard::retire);
        shards.clear();
    }

    /** Assigns the topic to the master of its slot (creating the connection to it), or to none when unknown. */
    private void place(Topic t) {
        String address = ownerOf(t.slot);
        if (address == null) {
            moveTo(t, null);
            requestRefresh();
            return;
        }
        ClusterShard s = shards.get(address);
        if (s == null) {
            s = new ClusterShard(address, this, this, connections, events, log);
            shards.put(address, s);
            s.open();
            log.debug("Redis Cluster source connecting to {}", address);
        }
        moveTo(t, s);
    }

    private void moveTo(Topic t, ClusterShard s) {
        if (t.shard == s) {
            return;
        }
        if (t.shard != null) {
            if (t.shard.subs().isHeld(t.name)) {
                lost.add(t.name); // it was subscribed: messages may be missed until it is again
            }
            t.shard.subs().release(t.name, null);
        } else {
            unplaced--;
        }
        unconfirmed.add(t.name);
        t.shard = s;
        if (s == null) {
            unplaced++;
        } else {
            s.subs().assign(t.name);
        }
    }

    private String ownerOf(int slot) {
        Redirect r = redirects.get(slot);
        if (r != null) {
            if (System.nanoTime() - r.until < 0) {
                return r.address;
            }
            redirects.remove(slot);
        }
        ClusterTopology.Master m = topology == null ? null : topology.owner(slot);
        return m == null ? null : m.address();
    }

    private static void settle(Topic t, Throwable error) {
        if (t.waiting != null) {
            for (CompletableFuture<Void> f : t.waiting) {
                if (error == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error);
                }
            }
            t.waiting = null;
        }
    }

    /** The topic, when {@code subs} is the live connection it is assigned to; null otherwise. */
    private Topic assigned(ShardSubscriptions subs, String channel) {
        Topic t = topics.get(channel);
        return t != null && t.shard != null && t.shard.subs() == subs && !closed ? t : null;
    }

    @Override
    public void confirmed(ShardSubscriptions subs, String channel) {
        Topic t = assigned(subs, channel);
        if (t == null) {
            return;
        }
        t.retries = 0;
        unconfirmed.remove(channel);
        settle(t, null);
        afterChange();
    }

    @Override
    public void refused(ShardSubscriptions subs, String channel, String error) {
        Topic t = assigned(subs, channel);
        if (t == null) {
            return;
        }
        String[] words = error.split(" ");
        if (words[0].equals("MOVED") && words.length == 3) {
            // the node names the slot's master: trust it until the topology agrees (or a while has passed)
            redirects.put(Integer.parseInt(words[1]), new Redirect(words[2], System.nanoTime() + REDIRECT_NANOS));
            log.debug("SSUBSCRIBE {} on {}: {}", channel, subs.address(), error);
            place(t);
            requestRefresh();
        } else if (List.of("ASK", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "LOADING").contains(words[0])) {
            log.debug("SSUBSCRIBE {} on {}: {}; trying again", channel, subs.address(), error);
            moveTo(t, null);
            int delay = (int) Math.min(2_000, 50L << Math.min(t.retries++, 6));
            loop.schedule(() -> {
                if (topics.get(channel) == t && t.shard == null && !closed) {
                    place(t);
                }
            }, delay, TimeUnit.MILLISECONDS);
            requestRefresh();
        } else {
            log.warn("Redis at {} refused SSUBSCRIBE {}: {}", subs.address(), channel, error);
            topics.remove(channel);
            unconfirmed.remove(channel);
            subs.release(channel, null);
            settle(t, Subscriptions.refusal("ssubscribe", channel, "redis://" + subs.address(), error));
        }
        afterChange();
    }

    @Override
    public void lost(ShardSubscriptions subs, String channel) {
        Topic t = assigned(subs, channel);
        if (t == null) {
            return;
        }
        lost.add(channel);
        moveTo(t, null); // placed again when the refresh comes back
        requestRefresh();
    }

    @Override
    public void disconnected(ShardSubscriptions subs, int held) {
        ClusterShard s = shards.get(subs.address());
        if (s == null || s.subs() != subs || closed) {
            return;
        }
        if (held > 0) {
            lost.addAll(subs.channels());
        }
        unconfirmed.addAll(subs.channels());
    }

    /** Every {@link #TICK}: refresh when needed, pick up what Lettuce refreshed by itself, drop idle connections. */
    private void tick() {
        if (closed) {
            return;
        }
        if (state != SourceState.UP || unplaced > 0 || refresher.sinceLastNanos() > refreshPeriodNanos) {
            requestRefresh();
        } else {
            ClusterTopology seen = current.get();
            if (seen != null && !seen.sameAs(topology)) {
                apply(seen);
            }
        }
        List<ClusterShard> idle = new ArrayList<>();
        for (ClusterShard s : shards.values()) {
            if (s.subs().size() == 0 && (s.health() == ClusterShard.Health.DOWN || !topology.isOwner(s.address()))) {
                idle.add(s);
            }
        }
        idle.forEach(this::retire);
        if (!idle.isEmpty()) {
            afterChange();
        }
    }

    private void retire(ClusterShard s) {
        shards.remove(s.address());
        s.retire();
        log.debug("Redis Cluster source closed its idle connection to {}", s.address());
    }

    private void requestRefresh() {
        if (!closed) {
            refresher.request();
        }
    }

    /** A topology arrived: move what is not where its slot's master is, place what waits. */
    private void apply(ClusterTopology t) {
        boolean changed = topology == null || !topology.sameAs(t);
        boolean newMasters = topology == null || !topology.sameMasters(t);
        topology = t;
        if (changed) {
            if (newMasters) {
                log.info("Redis Cluster topology: {}", t);
            } else {
                log.debug("Redis Cluster topology: {}", t); // slots moved between the same masters
            }
            long now = System.nanoTime();
            redirects.entrySet().removeIf(e -> now - e.getValue().until >= 0
                    || t.owner(e.getKey()) != null && t.owner(e.getKey()).address().equals(e.getValue().address));
        }
        if (!changed && unplaced == 0) {
            return;
        }
        for (Topic topic : new ArrayList<>(topics.values())) {
            String owner = ownerOf(topic.slot);
            if (topic.shard == null || owner == null || !owner.equals(topic.shard.address())) {
                place(topic);
            }
        }
        afterChange();
    }

    /** Works the state out again, reports it when it changed, and tells the listener of a completed re-subscription. */
    private void afterChange() {
        if (closed) {
            return;
        }
        int needed = 0;
        int up = 0;
        List<String> down = new ArrayList<>();
        for (ClusterShard s : shards.values()) {
            if (s.subs().size() == 0 || s.health() == ClusterShard.Health.CONNECTING) {
                continue; // a first connection counts once it is up or has failed
            }
            needed++;
            if (s.health() == ClusterShard.Health.DOWN) {
                down.add(s.address());
            } else {
                up++;
            }
        }
        SourceState now = needed == up ? SourceState.UP : up == 0 ? SourceState.DOWN : SourceState.DEGRADED;
        if (now != state) {
            state = now;
            if (events.report(now)) {
                if (now == SourceState.UP) {
                    log.info("Redis Cluster source is {}: every shard that holds topics answers", now);
                } else {
                    log.warn("Redis Cluster source is {}: no connection to {}; reconnecting and following failovers",
                            now, down);
                }
            }
        }
        if (state == SourceState.UP && !noOps.isEmpty()) {
            noOps.forEach(f -> f.complete(null));
            noOps.clear();
        }
        if (!lost.isEmpty() && state == SourceState.UP && unconfirmed.isEmpty()) {
            Set<String> back = Set.copyOf(lost);
            lost.clear();
            log.info("Redis Cluster source re-subscribed {} of its {} topics", back.size(), topics.size());
            if (back.size() == topics.size()) {
                events.notifyResubscribed();
            } else {
                events.notifyResubscribed(back);
            }
        }
    }
}
