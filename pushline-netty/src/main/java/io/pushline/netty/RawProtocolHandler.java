package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;

/**
 * The {@code raw} protocol: subscribes the client to the default topics when it connects and passes every
 * non-empty inbound frame to the host's frame handler.
 */
final class RawProtocolHandler extends ConnectionHandler {
    RawProtocolHandler(ServerContext server, NettyClient client) {
        super(server, client);
    }

    @Override
    void onConnected(ChannelHandlerContext ctx) {
        for (String topic : server.config().defaultTopics()) {
            client.topicsOnLoop().add(topic);
            server.subscriptions().subscribe(client, topic);
        }
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        server.config().frameHandler().onFrame(client, ByteBufUtil.getBytes(frame));
    }
}
