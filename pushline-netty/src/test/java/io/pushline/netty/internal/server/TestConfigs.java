package io.pushline.netty.internal.server;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerTimeouts;
import java.util.List;

/** Server settings for tests that build the machinery by hand (on {@code EmbeddedChannel}s), defaults elsewhere. */
final class TestConfigs {
    private TestConfigs() {
    }

    static ServerConfig config(MessageSource source, Protocol protocol, Framing framing, SlowConsumerPolicy policy) {
        return new ServerConfig(null, 0, source, false, framing, protocol, false, null, TopicAuthorizer.ALLOW_ALL,
                List.of(), ClientHandlers.echo(), PushListener.NONE,
                ServerLimits.builder().slowConsumerPolicy(policy).build(), ServerTimeouts.DEFAULT, null, 1, null,
                false, true);
    }
}
