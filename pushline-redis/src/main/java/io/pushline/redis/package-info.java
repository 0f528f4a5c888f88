/**
 * Redis for Pushline: a {@link io.pushline.MessageSource} on Redis Pub/Sub and one on Redis Cluster with sharded
 * Pub/Sub (their subscriber connections are RESP on Netty, their publishing connections Lettuce), and a Lettuce
 * publisher for host applications.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.redis.RedisMessageSource}: subscribes Redis channels and patterns for a push server,
 *       reconnects and re-subscribes by itself, and reports {@link io.pushline.SourceState#DOWN DOWN},
 *       {@link io.pushline.SourceState#UP UP} and the re-subscription, and skips
 *       messages rather than be cut off by Redis when it falls behind. Create it with
 *       {@code RedisMessageSource.create("redis://host:6379")} (it owns its client) or on a {@code RedisClient} you
 *       own.</li>
 *   <li>{@link io.pushline.redis.RedisClusterMessageSource}: the same on a Redis Cluster, with sharded Pub/Sub
 *       ({@code SSUBSCRIBE}/{@code SPUBLISH}): one subscriber connection per master that owns subscribed slots,
 *       subscriptions that follow failovers and slot migrations, {@link io.pushline.SourceState#DEGRADED DEGRADED}
 *       while some masters are unreachable; no patterns. Create it with
 *       {@code RedisClusterMessageSource.create("redis://host1:6379,redis://host2:6379")}.</li>
 *   <li>{@link io.pushline.redis.RedisPublisher}: {@code PUBLISH} from host code, returning the receiver count;
 *       {@code RedisPublisher.createCluster(...)} publishes with {@code SPUBLISH} to the master of the topic's
 *       slot.</li>
 *   <li>History: both, created with the same {@link io.pushline.HistoryOptions}, keep the last messages of the
 *       topics the options name in Redis (a hash and a stream per topic, in the topic's cluster slot), give each a
 *       {@link io.pushline.Position} through a Lua script, and the source reads them back
 *       ({@link io.pushline.MessageSource#readHistory}); see {@link io.pushline.redis.RedisMessageSource}.</li>
 * </ul>
 *
 * <p>Payloads are bytes end to end; channel names are UTF-8. Both types are thread-safe. Only
 * {@link io.pushline.redis.RedisMessageSource#start(io.pushline.MessageListener)} and {@code close()} wait for
 * Redis, both bounded; every other method returns a future at once.
 */
package io.pushline.redis;
