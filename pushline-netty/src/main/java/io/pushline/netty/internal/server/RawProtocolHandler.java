package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.CloseReason;
import io.pushline.TopicAuthorizer;
import io.pushline.internal.LogText;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code raw} protocol: subscribes the client to the (authorized) default topics and passes every non-empty
 * inbound frame to the host's frame handler. With an authenticator, the first frame is the client's token: the
 * client is subscribed only once it is accepted, and frames that arrive while it is being checked are dropped.
 */
final class RawProtocolHandler extends ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RawProtocolHandler.class);

    private boolean authenticating;

    RawProtocolHandler(ServerContext server, NettyClient client) {
        super(server, client);
    }

    @Override
    void onConnected(ChannelHandlerContext ctx) {
        if (client.auth().isAuthenticated()) {
            subscribeDefaultTopics();
        }
    }

    private void subscribeDefaultTopics() {
        for (String topic : server.config().defaultTopics()) {
            if (!client.auth().authorized(topic, false, TopicAuthorizer.Action.SUBSCRIBE)) {
                LOG.debug("{}: not authorized for default topic '{}'", client, topic);
                continue;
            }
            // raw clients have no patterns, so the topic/pattern rule never needs their topics: not tracked
            server.subscriptions().subscribe(client, topic);
        }
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        if (client.auth().isAuthenticated()) {
            server.config().frameHandler().onFrame(client, ByteBufUtil.getBytes(frame));
        } else if (!authenticating) {
            authenticating = true;
            authenticate(ctx, ByteBufUtil.getBytes(frame));
        }
    }

    private void authenticate(ChannelHandlerContext ctx, byte[] token) {
        Authenticator authenticator = server.config().authenticator();
        CompletableFuture<Authentication> decision = ask(() -> authenticator.authenticate(client, token));
        decision.whenComplete((auth, error) -> ctx.executor().execute(() -> {
            if (error == null && auth != null && ctx.channel().isActive()) {
                client.auth().authenticated(auth);
                LOG.debug("{} authenticated as {}", client, LogText.escape(auth.principal()));
                subscribeDefaultTopics();
            } else {
                client.closeReason(CloseReason.UNAUTHORIZED);
                replyErrorAndClose(ctx, "unauthorized");
            }
        }));
    }
}
