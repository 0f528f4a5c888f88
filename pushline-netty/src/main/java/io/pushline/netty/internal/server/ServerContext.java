package io.pushline.netty.internal.server;

import io.pushline.ClientRegistry;
import io.pushline.PushListener;

/** What the per-connection handlers of one running server share. */
public record ServerContext(
        ServerConfig config,
        PushListener listener,
        ClientRegistry<NettyClient> registry,
        BrokerSubscriptions subscriptions,
        FanOut fanOut,
        ConnectionLimits limits,
        ServerMetrics metrics) {
}
