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
import java.time.Duration;
import java.util.List;

/** Server settings for tests that build the machinery by hand (on {@code EmbeddedChannel}s), defaults elsewhere. */
final class TestConfigs {
    private TestConfigs() {
    }

    /** The default limits without a soft one: a client that is not writable is over its limit. */
    static ServerConfig config(MessageSource source, Protocol protocol, Framing framing, SlowConsumerPolicy policy) {
        return config(source, protocol, framing, ServerLimits.builder().slowConsumerPolicy(policy)
                .softQueuedLimit(ServerLimits.DEFAULT_MAX_QUEUED_BYTES, Duration.ZERO).build());
    }

    static ServerConfig config(MessageSource source, Protocol protocol, Framing framing, ServerLimits limits) {
        return new ServerConfig(null, 0, source, false, framing, protocol, false, null, TopicAuthorizer.ALLOW_ALL,
                List.of(), ClientHandlers.echo(), PushListener.NONE, limits, ServerTimeouts.DEFAULT, null, 1, null,
                false, true);
    }
}
