package io.pushline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * The default {@link ClientRegistry}: writes are serialized by one lock and change a set (O(1)); the first read
 * after a change builds that partition's immutable snapshot, and later reads are a map lookup and a volatile
 * read.
 */
final class InMemoryClientRegistry<C extends Client> implements ClientRegistry<C> {
    private final int partitions;
    private final ToIntFunction<? super C> partitionOf;
    private final Object lock = new Object();
    private final Map<String, C> clientsById = new ConcurrentHashMap<>();
    private final Map<C, Subscriptions> byClient = new ConcurrentHashMap<>();
    private final Index<C> topicIndex;
    private final Index<C> patternIndex;

    InMemoryClientRegistry(int partitions, ToIntFunction<? super C> partitionOf) {
        this.partitions = partitions;
        this.partitionOf = partitionOf;
        this.topicIndex = new Index<>(partitions, lock);
        this.patternIndex = new Index<>(partitions, lock);
    }

    @Override
    public boolean add(C client) {
        Objects.requireNonNull(client, "client");
        synchronized (lock) {
            if (byClient.containsKey(client)) {
                return false;
            }
            int p = partitionOf.applyAsInt(client);
            if (p < 0 || p >= partitions) {
                throw new IllegalArgumentException("partition of " + client.id() + ": " + p
                        + " (expected: 0.." + (partitions - 1) + ")");
            }
            byClient.put(client, new Subscriptions(p));
            clientsById.put(client.id(), client);
            return true;
        }
    }

    @Override
    public Removal remove(C client) {
        Objects.requireNonNull(client, "client");
        synchronized (lock) {
            Subscriptions subs = byClient.remove(client);
            if (subs == null) {
                return Removal.NONE;
            }
            clientsById.remove(client.id(), client);
            Set<String> lastTopics = new HashSet<>();
            for (String topic : subs.topics) {
                if (topicIndex.remove(topic, subs.partition, client)) {
                    lastTopics.add(topic);
                }
            }
            Set<String> lastPatterns = new HashSet<>();
            for (String pattern : subs.patterns) {
                if (patternIndex.remove(pattern, subs.partition, client)) {
                    lastPatterns.add(pattern);
                }
            }
            return lastTopics.isEmpty() && lastPatterns.isEmpty() ? Removal.NONE
                    : new Removal(lastTopics, lastPatterns);
        }
    }

    @Override
    public boolean subscribe(C client, String topic) {
        return add(client, topic, topicIndex, false);
    }

    @Override
    public boolean unsubscribe(C client, String topic) {
        return remove(client, topic, topicIndex, false);
    }

    @Override
    public boolean psubscribe(C client, String pattern) {
        return add(client, pattern, patternIndex, true);
    }

    @Override
    public boolean punsubscribe(C client, String pattern) {
        return remove(client, pattern, patternIndex, true);
    }

    private boolean add(C client, String key, Index<C> index, boolean pattern) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(key, pattern ? "pattern" : "topic");
        synchronized (lock) {
            Subscriptions subs = byClient.get(client);
            if (subs == null || !subs.mutable(pattern).add(key)) {
                return false;
            }
            return index.add(key, subs.partition, client);
        }
    }

    private boolean remove(C client, String key, Index<C> index, boolean pattern) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(key, pattern ? "pattern" : "topic");
        synchronized (lock) {
            Subscriptions subs = byClient.get(client);
            if (subs == null || (pattern ? subs.patterns : subs.topics).isEmpty()
                    || !subs.mutable(pattern).remove(key)) {
                return false;
            }
            return index.remove(key, subs.partition, client);
        }
    }

    @Override
    public List<C> subscribers(String topic, int partition) {
        return topicIndex.get(topic, partition);
    }

    @Override
    public List<C> subscribers(String topic) {
        return topicIndex.all(topic);
    }

    @Override
    public List<C> patternSubscribers(String pattern, int partition) {
        return patternIndex.get(pattern, partition);
    }

    @Override
    public List<C> patternSubscribers(String pattern) {
        return patternIndex.all(pattern);
    }

    @Override
    public Set<String> topics(C client) {
        synchronized (lock) {
            Subscriptions subs = byClient.get(client);
            return subs == null ? Set.of() : Set.copyOf(subs.topics);
        }
    }

    @Override
    public Set<String> patterns(C client) {
        synchronized (lock) {
            Subscriptions subs = byClient.get(client);
            return subs == null ? Set.of() : Set.copyOf(subs.patterns);
        }
    }

    @Override
    public Set<String> topics() {
        return Set.copyOf(topicIndex.entries.keySet());
    }

    @Override
    public Set<String> patterns() {
        return Set.copyOf(patternIndex.entries.keySet());
    }

    @Override
    public Collection<C> clients() {
        return Collections.unmodifiableCollection(clientsById.values());
    }

    @Override
    public Optional<C> client(String id) {
        return Optional.ofNullable(clientsById.get(id));
    }

    @Override
    public int size() {
        return clientsById.size();
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public String toString() {
        return "ClientRegistry[clients=" + size() + ", topics=" + topicIndex.entries.size()
                + ", patterns=" + patternIndex.entries.size() + "]";
    }

    /** One client's subscriptions; mutated only under the registry lock. */
    /** One client's subscriptions; the sets are created on first use (an idle connection costs less heap). */
    private static final class Subscriptions {
        final int partition;
        Set<String> topics = Set.of();
        Set<String> patterns = Set.of();

        Subscriptions(int partition) {
            this.partition = partition;
        }

        Set<String> mutable(boolean pattern) {
            if (pattern) {
                return patterns instanceof HashSet ? patterns : (patterns = new HashSet<>(4));
            }
            return topics instanceof HashSet ? topics : (topics = new HashSet<>(4));
        }
    }

    /**
     * The subscribers of each key, per partition: a set changed under the registry's lock, and an immutable
     * snapshot of it built on the first read after a change. A burst of subscriptions (10,000 clients connecting
     * to the same topic) then costs O(1) each instead of copying the list every time; fan-out reads the same
     * snapshot instance until the next change, without locking.
     */
    private static final class Index<C> {
        final Map<String, Entry<C>> entries = new ConcurrentHashMap<>();
        final int partitions;
        final Object lock;

        Index(int partitions, Object lock) {
            this.partitions = partitions;
            this.lock = lock;
        }

        List<C> get(String key, int partition) {
            Entry<C> e = entries.get(key);
            if (e == null) {
                return List.of();
            }
            Part<C> part = e.parts[partition];
            List<C> snapshot = part.snapshot;
            if (snapshot != null) {
                return snapshot;
            }
            synchronized (lock) {
                snapshot = part.snapshot;
                if (snapshot == null) {
                    snapshot = List.copyOf(part.members);
                    part.snapshot = snapshot;
                }
                return snapshot;
            }
        }

        List<C> all(String key) {
            synchronized (lock) {
                Entry<C> e = entries.get(key);
                if (e == null) {
                    return List.of();
                }
                List<C> all = new ArrayList<>(e.count);
                for (Part<C> part : e.parts) {
                    all.addAll(part.members);
                }
                return List.copyOf(all);
            }
        }

        /** Under the lock. Returns true when {@code key} got its first subscriber. */
        boolean add(String key, int partition, C client) {
            Entry<C> e = entries.get(key);
            boolean first = e == null;
            if (first) {
                e = new Entry<>(partitions);
            }
            Part<C> part = e.parts[partition];
            if (part.members.add(client)) {
                part.snapshot = null;
                e.count++;
            }
            if (first) {
                entries.put(key, e);
            }
            return first;
        }

        /** Under the lock. Returns true when {@code key} lost its last subscriber. */
        boolean remove(String key, int partition, C client) {
            Entry<C> e = entries.get(key);
            if (e == null) {
                return false;
            }
            Part<C> part = e.parts[partition];
            if (!part.members.remove(client)) {
                return false;
            }
            part.snapshot = null;
            if (--e.count == 0) {
                entries.remove(key);
                return true;
            }
            return false;
        }
    }

    /** The subscribers of one key. */
    private static final class Entry<C> {
        final Part<C>[] parts;
        int count;

        @SuppressWarnings("unchecked")
        Entry(int partitions) {
            parts = (Part<C>[]) new Part<?>[partitions];
            for (int i = 0; i < partitions; i++) {
                parts[i] = new Part<>();
            }
        }
    }

    /** The subscribers of one key in one partition. */
    private static final class Part<C> {
        /** Changed under the registry's lock. */
        final Set<C> members = new LinkedHashSet<>();
        /** Null after a change until the next read rebuilds it. */
        volatile List<C> snapshot = List.of();
    }
}
