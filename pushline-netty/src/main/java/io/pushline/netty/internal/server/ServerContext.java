package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.pushline.ClientRegistry;
import io.pushline.Protocol;
import io.pushline.PushListener;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the per-connection handlers of one running server share.
 *
 * @param config the settings
 * @param listener the host's listener, wrapped so that what it throws is logged
 * @param registry the clients and their subscriptions, one partition per event loop
 * @param subscriptions the broker subscriptions, reference-counted over the clients
 * @param fanOut frames each message once and hands it to the outboxes
 * @param sequencer the source's listener: orders and repairs topics with history, in front of the fan-out
 * @param reads the history reads, shared between clients that resume the same range
 * @param limits the connection counts and limits
 * @param metrics the counters
 * @param partitions each event loop's partition of the registry (and index of its outbox)
 */
public record ServerContext(
        ServerConfig config,
        PushListener listener,
        ClientRegistry<NettyClient> registry,
        BrokerSubscriptions subscriptions,
        FanOut fanOut,
        Sequencer sequencer,
        HistoryReads reads,
        ConnectionLimits limits,
        ServerMetrics metrics,
        Map<EventLoop, Integer> partitions) {

    /**
     * Wires a server's shared parts over its event loops: one outbox and one registry partition per loop, the
     * fan-out over them, and the broker subscriptions. The source is not started.
     */
    static ServerContext wire(ServerConfig config, Iterable<? extends EventExecutor> loops,
            ConnectionLimits limits) {
        ServerMetrics metrics = new ServerMetrics();
        PushListener listener = new SafeListener(config.listener());
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        Map<EventLoop, Integer> partitions = new IdentityHashMap<>();
        List<Outbox> outboxes = new ArrayList<>();
        for (EventExecutor executor : loops) {
            EventLoop loop = (EventLoop) executor;
            partitions.put(loop, outboxes.size());
            outboxes.add(new Outbox("event loop " + outboxes.size(), loop, alloc, metrics, listener,
                    config.protocol() == Protocol.COMMANDS));
        }
        ClientRegistry<NettyClient> registry = ClientRegistry.inMemory(outboxes.size(), NettyClient::partition);
        FanOut fanOut = new FanOut(registry, outboxes.toArray(new Outbox[0]), config.framing(), alloc, listener,
                config.protocol(), metrics);
        HistoryReads reads = new HistoryReads(config.source(), metrics);
        Sequencer sequencer = new Sequencer(fanOut, config.source(), reads, metrics, config.brokerTimeout());
        BrokerSubscriptions subscriptions = new BrokerSubscriptions(config.source(), registry, sequencer::forget);
        return new ServerContext(config, listener, registry, subscriptions, fanOut, sequencer, reads, limits,
                metrics, partitions);
    }
}
