package io.pushline.netty.internal.server;

import io.netty.channel.Channel;
import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageListener;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTimeouts;
import java.util.List;

/**
 * The server's real fan-out path (its {@code FanOut}, one {@code Outbox} and one client per channel), wired onto
 * channels the caller made, with every client subscribed to one topic: for benchmarks that measure the per-message
 * and per-delivery cost without sockets. All channels must share one event loop. Not API.
 */
public final class FanOutHarness implements AutoCloseable {
    private final InMemoryMessageSource source = InMemoryMessageSource.create();
    private final FanOut fanOut;

    private FanOutHarness(Channel[] channels, Protocol protocol, Framing framing, String topic) {
        ServerConfig config = new ServerConfig(null, 0, source, false, framing, protocol, false, null,
                TopicAuthorizer.ALLOW_ALL, List.of(), ClientHandlers.ignore(), PushListener.NONE, ServerLimits.DEFAULT,
                ServerTimeouts.DEFAULT, null, 1, null, false, true);
        ServerContext context = ServerContext.wire(config, List.of(channels[0].eventLoop()),
                new ConnectionLimits(channels.length, channels.length));
        fanOut = context.fanOut();
        for (int i = 0; i < channels.length; i++) {
            NettyClient client = new NettyClient(Integer.toString(i), channels[i], 0, context);
            context.registry().add(client);
            context.registry().subscribe(client, topic);
        }
    }

    /**
     * Wires the fan-out onto {@code channels}.
     *
     * @param channels the clients' channels, on one event loop
     * @param protocol the protocol the pushes are framed for
     * @param framing the framing
     * @param topic the topic every client is subscribed to
     * @return the harness
     */
    public static FanOutHarness create(Channel[] channels, Protocol protocol, Framing framing, String topic) {
        return new FanOutHarness(channels, protocol, framing, topic);
    }

    /**
     * Returns the fan-out, as the source sees it: call {@link MessageListener#onMessage} to deliver a message to
     * every client, then run the channels' event loop.
     *
     * @return the listener
     */
    public MessageListener listener() {
        return fanOut;
    }

    @Override
    public void close() {
        source.close();
    }
}
