package io.pushline;

import io.pushline.internal.Checks;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The connected clients of a server and what each is subscribed to (topics and patterns), kept for fast
 * fan-out reads.
 *
 * <p>Writes ({@link #add}, {@link #remove}, {@link #subscribe} ...) report when a topic gains its first
 * subscriber or loses its last, which is exactly when the server must subscribe or unsubscribe it at the broker.
 * Reads of subscribers ({@link #subscribers(String, int)}) return immutable snapshots, without locking or
 * allocating while the subscribers do not change, so a message can be fanned out while clients come and go.
 *
 * <p>Subscribers are grouped into <em>partitions</em> (a transport uses one per I/O thread), so that delivery can
 * be batched per partition: {@link #subscribers(String, int)} returns just one partition's clients.
 *
 * <p>Implementations are thread-safe. A client that is not registered (never added, or removed) cannot subscribe:
 * the call returns {@code false} and changes nothing.
 *
 * @param <C> the transport's client type
 */
public interface ClientRegistry<C extends Client> {
    /**
     * Creates the default in-memory registry with one partition.
     *
     * @param <C> the client type
     * @return a new, empty registry
     */
    static <C extends Client> ClientRegistry<C> inMemory() {
        return new InMemoryClientRegistry<>(1, c -> 0);
    }

    /**
     * Creates the default in-memory registry.
     *
     * @param <C> the client type
     * @param partitions the number of partitions, at least 1
     * @param partitionOf gives each client's partition, in {@code [0, partitions)}; must be stable for a client
     * @return a new, empty registry
     */
    static <C extends Client> ClientRegistry<C> inMemory(int partitions, ToIntFunction<? super C> partitionOf) {
        return new InMemoryClientRegistry<>(Checks.positive(partitions, "partitions"),
                Objects.requireNonNull(partitionOf, "partitionOf"));
    }

    /**
     * Registers a connected client.
     *
     * @param client the client
     * @return {@code false} when it was already registered
     */
    boolean add(C client);

    /**
     * Unregisters a client and ends all its subscriptions.
     *
     * @param client the client
     * @return the topics and patterns that lost their last subscriber with it (empty when it was not registered)
     */
    Removal remove(C client);

    /**
     * Subscribes a registered client to a topic.
     *
     * @param client the client
     * @param topic the topic
     * @return {@code true} when the topic had no subscriber before (the broker subscription is needed now)
     */
    boolean subscribe(C client, String topic);

    /**
     * Ends a client's subscription to a topic.
     *
     * @param client the client
     * @param topic the topic
     * @return {@code true} when the topic lost its last subscriber (the broker subscription can end now)
     */
    boolean unsubscribe(C client, String topic);

    /**
     * Subscribes a registered client to a pattern.
     *
     * @param client the client
     * @param pattern the pattern
     * @return {@code true} when the pattern had no subscriber before
     */
    boolean psubscribe(C client, String pattern);

    /**
     * Ends a client's subscription to a pattern.
     *
     * @param client the client
     * @param pattern the pattern
     * @return {@code true} when the pattern lost its last subscriber
     */
    boolean punsubscribe(C client, String pattern);

    /**
     * Returns the subscribers of a topic in one partition: an immutable snapshot, read without locking (the
     * default registry builds it once, under its lock, on the first read after a change).
     *
     * @param topic the topic
     * @param partition the partition, in {@code [0, partitions())}
     * @return the subscribers; empty when none
     */
    List<C> subscribers(String topic, int partition);

    /**
     * Returns all subscribers of a topic, across partitions.
     *
     * @param topic the topic
     * @return an immutable snapshot; empty when none
     */
    List<C> subscribers(String topic);

    /**
     * Returns the subscribers of a pattern in one partition: an immutable snapshot, read without locking (the
     * default registry builds it once, under its lock, on the first read after a change).
     *
     * @param pattern the pattern
     * @param partition the partition, in {@code [0, partitions())}
     * @return the subscribers; empty when none
     */
    List<C> patternSubscribers(String pattern, int partition);

    /**
     * Returns all subscribers of a pattern, across partitions.
     *
     * @param pattern the pattern
     * @return an immutable snapshot; empty when none
     */
    List<C> patternSubscribers(String pattern);

    /**
     * Returns the topics a client is subscribed to.
     *
     * @param client the client
     * @return an immutable snapshot; empty for an unknown client
     */
    Set<String> topics(C client);

    /**
     * Returns the patterns a client is subscribed to.
     *
     * @param client the client
     * @return an immutable snapshot; empty for an unknown client
     */
    Set<String> patterns(C client);

    /**
     * Returns every topic with at least one subscriber.
     *
     * @return an immutable snapshot
     */
    Set<String> topics();

    /**
     * Returns every pattern with at least one subscriber.
     *
     * @return an immutable snapshot
     */
    Set<String> patterns();

    /**
     * Returns the registered clients.
     *
     * @return an unmodifiable view; iteration is weakly consistent
     */
    Collection<C> clients();

    /**
     * Finds a registered client by id.
     *
     * @param id the client's id
     * @return the client, if registered
     */
    Optional<C> client(String id);

    /**
     * Returns the number of registered clients.
     *
     * @return the count
     */
    int size();

    /**
     * Returns the number of partitions.
     *
     * @return the partition count
     */
    int partitions();

    /**
     * What a {@link #remove(Client)} ended at the broker level.
     *
     * @param topics the topics that lost their last subscriber
     * @param patterns the patterns that lost their last subscriber
     */
    record Removal(Set<String> topics, Set<String> patterns) {
        /** An empty removal. */
        public static final Removal NONE = new Removal(Set.of(), Set.of());

        /**
         * Creates a removal, copying both sets.
         *
         * @param topics the topics that lost their last subscriber
         * @param patterns the patterns that lost their last subscriber
         */
        public Removal {
            topics = Set.copyOf(topics);
            patterns = Set.copyOf(patterns);
        }
    }
}
