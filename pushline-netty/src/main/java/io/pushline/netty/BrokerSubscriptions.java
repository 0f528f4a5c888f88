package io.pushline.netty;

import io.pushline.ClientRegistry;
import io.pushline.MessageSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
    /** Set when the server closes a source it owns: the source goes away whole, so no unsubscribes are sent. */
    private volatile boolean detached;

    BrokerSubscriptions(MessageSource source, ClientRegistry<NettyClient> registry) {
        this.source = source;
        this.registry = registry;
    }

    /** Subscribes a client; the future completes once the broker subscription is confirmed. */
    CompletableFuture<Void> subscribe(NettyClient client, String topic) {
        synchronized (lock) {
            if (!registry.subscribe(client, topic)) {
                CompletableFuture<Void> pending = pendingTopics.get(topic);
                return pending != null ? pending : CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> confirmed = source.subscribe(topic);
            if (!confirmed.isDone()) {
                pendingTopics.put(topic, confirmed);
            }
            confirmed.whenComplete((ok, error) -> {
                synchronized (lock) {
                    pendingTopics.remove(topic, confirmed);
                }
                if (error != null) {
                    LOG.warn("broker subscription of topic '{}' failed", topic, error);
                }
            });
            return confirmed;
        }
    }

    /** Ends a client's subscription; the broker's ends with the last one. */
    void unsubscribe(NettyClient client, String topic) {
        synchronized (lock) {
            if (registry.unsubscribe(client, topic)) {
                brokerUnsubscribe(topic);
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
                brokerUnsubscribe(topic);
            }
            if (detached) {
                return;
            }
            for (String pattern : removal.patterns()) {
                source.punsubscribe(pattern).whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.warn("broker unsubscription of pattern '{}' failed", pattern, error);
                    }
                });
            }
        }
    }

    private void brokerUnsubscribe(String topic) {
        pendingTopics.remove(topic);
        if (detached) {
            return;
        }
        source.unsubscribe(topic).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("broker unsubscription of topic '{}' failed", topic, error);
            }
        });
    }
}
