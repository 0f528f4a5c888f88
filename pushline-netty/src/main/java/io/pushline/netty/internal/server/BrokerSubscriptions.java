package io.pushline.netty.internal.server;

import io.pushline.ClientRegistry;
import io.pushline.MessageSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reference-counts broker subscriptions across clients: a topic (or pattern) is subscribed at the source when its
 * first client subscribes, and unsubscribed when its last client unsubscribes or disconnects.
 *
 * <p>Registry changes and the matching source calls happen under one lock, so the source sees subscribe and
 * unsubscribe of a topic in the order the registry decided them. Source calls only enqueue (they never wait for
 * the broker), so the lock is held briefly. The fan-out read path never takes it.
 */
final class BrokerSubscriptions {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerSubscriptions.class);

    private final MessageSource source;
    private final ClientRegistry<NettyClient> registry;
    private final Object lock = new Object();
    /** Broker subscriptions not yet confirmed, so that later subscribers can wait for the same confirmation. */
    private final Map<String, CompletableFuture<Void>> pendingTopics = new HashMap<>();
    private final Map<String, CompletableFuture<Void>> pendingPatterns = new HashMap<>();
    /** Set when the server closes a source it owns: the source goes away whole, so no unsubscribes are sent. */
    private volatile boolean detached;
    /** Told of each topic whose broker subscription ends. */
    private final Consumer<String> topicEnded;

    BrokerSubscriptions(MessageSource source, ClientRegistry<NettyClient> registry, Consumer<String> topicEnded) {
        this.source = source;
        this.registry = registry;
        this.topicEnded = topicEnded;
    }

    /** Subscribes a client to a topic; the future completes once the broker subscription is confirmed. */
    CompletableFuture<Void> subscribe(NettyClient client, String topic) {
        return subscribe(client, topic, false);
    }

    /** Subscribes a client to a pattern; the future completes once the broker subscription is confirmed. */
    CompletableFuture<Void> psubscribe(NettyClient client, String pattern) {
        return subscribe(client, pattern, true);
    }

    private CompletableFuture<Void> subscribe(NettyClient client, String name, boolean pattern) {
        Map<String, CompletableFuture<Void>> pendingMap = pattern ? pendingPatterns : pendingTopics;
        synchronized (lock) {
            boolean first = pattern ? registry.psubscribe(client, name) : registry.subscribe(client, name);
            if (!first) {
                CompletableFuture<Void> pending = pendingMap.get(name);
                return pending != null ? pending : CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> confirmed = pattern ? source.psubscribe(name) : source.subscribe(name);
            if (!confirmed.isDone()) {
                pendingMap.put(name, confirmed);
            }
            confirmed.whenComplete((ok, error) -> {
                synchronized (lock) {
                    pendingMap.remove(name, confirmed);
                }
                if (error != null) {
                    LOG.warn("broker subscription of {} '{}' failed", pattern ? "pattern" : "topic", name, error);
                }
            });
            return confirmed;
        }
    }

    /** Whether a topic has subscribers and the broker confirmed its subscription. */
    boolean isConfirmed(String topic) {
        synchronized (lock) {
            return !pendingTopics.containsKey(topic) && registry.topics().contains(topic);
        }
    }

    /** Ends a client's subscription to a topic; the broker's ends with the last one. */
    void unsubscribe(NettyClient client, String topic) {
        synchronized (lock) {
            if (registry.unsubscribe(client, topic)) {
                brokerUnsubscribe(topic, false);
            }
        }
    }

    /** Ends a client's subscription to a pattern; the broker's ends with the last one. */
    void punsubscribe(NettyClient client, String pattern) {
        synchronized (lock) {
            if (registry.punsubscribe(client, pattern)) {
                brokerUnsubscribe(pattern, true);
            }
        }
    }

    /** Stops sending unsubscriptions to the source, which is about to be closed as a whole. */
    void detach() {
        detached = true;
    }

    /** Registers a connected client. */
    void add(NettyClient client) {
        registry.add(client);
    }

    /** Unregisters a client and ends the broker subscriptions it was the last subscriber of. */
    void remove(NettyClient client) {
        synchronized (lock) {
            ClientRegistry.Removal removal = registry.remove(client);
            for (String topic : removal.topics()) {
                brokerUnsubscribe(topic, false);
            }
            for (String pattern : removal.patterns()) {
                brokerUnsubscribe(pattern, true);
            }
        }
    }

    private void brokerUnsubscribe(String name, boolean pattern) {
        (pattern ? pendingPatterns : pendingTopics).remove(name);
        if (!pattern) {
            topicEnded.accept(name);
        }
        if (detached) {
            return;
        }
        CompletableFuture<Void> done = pattern ? source.punsubscribe(name) : source.unsubscribe(name);
        done.whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("broker unsubscription of {} '{}' failed", pattern ? "pattern" : "topic", name, error);
            }
        });
    }
}
