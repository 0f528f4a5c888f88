package io.pushline.netty;

import io.pushline.ClientRegistry;
import io.pushline.PushListener;

/** What the per-connection handlers of one running server share. */
record ServerContext(
        ServerConfig config,
        PushListener listener,
        ClientRegistry<NettyClient> registry,
        BrokerSubscriptions subscriptions,
        FanOut fanOut,
        ConnectionLimits limits,
        ServerMetrics metrics) {
}
