package io.pushline.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.pushline.Framing;
import io.pushline.Protocol;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds each connection's pipeline: {@code frameDecoder} (new per channel), then the protocol handler. Outbound
 * frames are encoded before they reach the pipeline, so no encoder is needed.
 */
final class PushChannelInitializer extends ChannelInitializer<Channel> {
    private final ServerContext server;
    private final Map<EventLoop, Integer> partitions;
    private final AtomicLong ids = new AtomicLong();

    PushChannelInitializer(ServerContext server, Map<EventLoop, Integer> partitions) {
        this.server = server;
        this.partitions = partitions;
    }

    @Override
    protected void initChannel(Channel ch) {
        Integer partition = partitions.get(ch.eventLoop());
        if (partition == null) {
            throw new IllegalStateException("channel registered on an event loop outside the server's group");
        }
        NettyClient client = new NettyClient(Long.toString(ids.incrementAndGet()), ch, partition, server);
        ChannelPipeline p = ch.pipeline();
        p.addLast("frameDecoder", frameDecoder(server.config().framing()));
        p.addLast("protocol", server.config().protocol() == Protocol.COMMANDS
                ? new CommandsProtocolHandler(server, client)
                : new RawProtocolHandler(server, client));
    }

    static io.netty.channel.ChannelHandler frameDecoder(Framing framing) {
        int max = framing.maxFrameLength();
        if (framing.kind() == Framing.Kind.LINES) {
            // strip the delimiter; fail fast: report as soon as the limit is passed, discarding without buffering
            return new LineBasedFrameDecoder(max, true, true);
        }
        // the decoder's limit counts the 4-byte length field too
        return new LengthFieldBasedFrameDecoder(max + 4, 0, 4, 0, 4, true);
    }
}
