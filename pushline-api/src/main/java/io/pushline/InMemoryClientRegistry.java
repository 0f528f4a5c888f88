package io.pushline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * The default {@link ClientRegistry}: writes are serialized by one lock and rebuild the affected partition's
 * immutable subscriber list (copy-on-write); reads are a map lookup and a volatile read.
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
        this.topicIndex = new Index<>(partitions);
        this.patternIndex = new Index<>(partitions);
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
            if (subs == null || !(pattern ? subs.patterns : subs.topics).add(key)) {
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
            if (subs == null || !(pattern ? subs.patterns : subs.topics).remove(key)) {
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
    private static final class Subscriptions {
        final int partition;
        final Set<String> topics = new HashSet<>();
        final Set<String> patterns = new HashSet<>();

        Subscriptions(int partition) {
            this.partition = partition;
        }
    }

    /** Key (topic or pattern) to per-partition immutable subscriber lists; mutated only under the lock. */
    private static final class Index<C> {
        final Map<String, Entry<C>> entries = new ConcurrentHashMap<>();
        final int partitions;

        Index(int partitions) {
            this.partitions = partitions;
        }

        List<C> get(String key, int partition) {
            Entry<C> e = entries.get(key);
            return e == null ? List.of() : e.parts.get(partition);
        }

        List<C> all(String key) {
            Entry<C> e = entries.get(key);
            if (e == null) {
                return List.of();
            }
            List<C> all = new ArrayList<>(e.count);
            for (List<C> part : e.parts) {
                all.addAll(part);
            }
            return List.copyOf(all);
        }

        /** Returns true when {@code key} had no subscriber before. */
        boolean add(String key, int partition, C client) {
            Entry<C> e = entries.get(key);
            boolean first = e == null;
            if (first) {
                e = new Entry<>(partitions);
            }
            List<C> old = e.parts.get(partition);
            List<C> grown = new ArrayList<>(old.size() + 1);
            grown.addAll(old);
            grown.add(client);
            e.set(partition, grown, e.count + 1);
            if (first) {
                entries.put(key, e);
            }
            return first;
        }

        /** Returns true when {@code key} lost its last subscriber. */
        boolean remove(String key, int partition, C client) {
            Entry<C> e = entries.get(key);
            if (e == null) {
                return false;
            }
            List<C> old = e.parts.get(partition);
            List<C> shrunk = new ArrayList<>(old);
            if (!shrunk.remove(client)) {
                return false;
            }
            if (e.count == 1) {
                entries.remove(key);
                return true;
            }
            e.set(partition, shrunk, e.count - 1);
            return false;
        }
    }

    /** The subscribers of one key: a volatile, immutable list per partition. */
    private static final class Entry<C> {
        volatile List<List<C>> parts;
        int count;

        Entry(int partitions) {
            this.parts = Collections.nCopies(partitions, List.of());
        }

        void set(int partition, List<C> clients, int newCount) {
            List<List<C>> next = new ArrayList<>(parts);
            next.set(partition, List.copyOf(clients));
            parts = List.copyOf(next);
            count = newCount;
        }
    }
}
