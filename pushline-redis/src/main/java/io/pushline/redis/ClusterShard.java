package io.pushline.redis;

import io.pushline.Message;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One master's subscriber connection in a {@link ClusterSubscriber}, with its {@link ShardSubscriptions} and its
 * health: messages go straight to the source's listener side ({@link SourceEvents}); connection events change the
 * health, which the subscriber turns into the source's state. Only touched on the source's event loop.
 */
final class ClusterShard implements PubSubEvents {
    /** How the connection is doing: being made for the first time, up, or down (failed, dropped or stalled). */
    enum Health { CONNECTING, UP, DOWN }

    /** What a shard tells its subscriber. */
    interface Owner {
        /** Whether the shard is still one of the subscriber's (events of retired shards are ignored). */
        boolean isLive(ClusterShard shard);

        /** The shard's health changed. */
        void healthChanged(ClusterShard shard);

        /** Something suggests the topology changed (a connection dropped or cannot be made). */
        void refreshTopology();
    }

    private final String address;
    private final ShardSubscriptions subs;
    private final PubSubConnection connection;
    private final Owner owner;
    private final SourceEvents events;
    private final Logger log;
    private Health health = Health.CONNECTING;
    private boolean warned;

    ClusterShard(String address, ShardSubscriptions.Owner subscriber, Owner owner,
            ClusterSubscriber.Connections connections, SourceEvents events, Logger log) {
        this.address = address;
        this.owner = owner;
        this.events = events;
        this.log = log;
        this.subs = new ShardSubscriptions(subscriber, address);
        int colon = address.lastIndexOf(':');
        this.connection = connections.create(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)), this, subs);
        subs.connection(connection);
    }

    String address() {
        return address;
    }

    ShardSubscriptions subs() {
        return subs;
    }

    Health health() {
        return health;
    }

    /** Connects in the background. */
    void open() {
        connection.open();
    }

    /** Closes the connection for good, without waiting. */
    void retire() {
        subs.retire();
        connection.closeNow();
    }

    private void health(Health h) {
        if (health != h && owner.isLive(this)) {
            health = h;
            owner.healthChanged(this);
        }
    }

    @Override
    public void message(String pattern, Message message) {
        events.message(pattern, message);
    }

    @Override
    public void invalidChannel(String channel, String problem) {
        events.invalidChannel(channel, problem);
    }

    @Override
    public void shed(long count) {
        events.shed(count);
    }

    @Override
    public void up(boolean reconnect) {
        if (reconnect && owner.isLive(this)) {
            log.info("Redis Cluster source reconnected to {}", address);
        }
        warned = false;
        health(Health.UP);
    }

    @Override
    public void resubscribed() {
        // the subscriber counts every topic's confirmation on its own
    }

    @Override
    public void down() {
        if (owner.isLive(this)) {
            log.warn("Redis Cluster source lost its connection to {}; reconnecting", address);
            warned = true;
            health(Health.DOWN);
            owner.refreshTopology();
        }
    }

    @Override
    public void unreachable(String why) {
        if (owner.isLive(this)) {
            if (!warned) {
                warned = true;
                log.warn("Redis Cluster source cannot connect to {} ({}); retrying with backoff", address, why);
            }
            health(Health.DOWN);
            owner.refreshTopology();
        }
    }

    @Override
    public void stalled() {
        if (owner.isLive(this)) {
            log.warn("Redis at {} has sent nothing for {} s although a PING is outstanding", address,
                    TimeUnit.NANOSECONDS.toSeconds(LagProbe.STALL_NANOS));
            health(Health.DOWN);
            owner.refreshTopology();
        }
    }

    @Override
    public void responsive() {
        health(Health.UP);
    }
}
