package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceException;
import io.pushline.test.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Password and ACL users on the Redis side, through the Lettuce URI. */
class RedisAuthIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(List.of("--requirepass", "s3cret"));

    private static final class Received implements MessageListener {
        final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(Message message) {
            messages.add(message);
        }

        @Override
        public void onPatternMessage(String pattern, Message message) {
            messages.add(message);
        }
    }

    private static void roundTrip(String uri) throws Exception {
        Received received = new Received();
        try (RedisMessageSource source = RedisMessageSource.create(uri)) {
            source.start(received);
            source.subscribe("secure").get(10, TimeUnit.SECONDS);
            redis.publish("secure", "hello".getBytes(StandardCharsets.UTF_8));
            Message m = received.messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.payload()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPasswordInTheUriAuthenticates() throws Exception {
        roundTrip("redis://:s3cret@127.0.0.1:" + redis.port());
    }

    @Test
    void anAclUserInTheUriAuthenticates() throws Exception {
        redis.command("ACL", "SETUSER", "pushline", "on", ">pushline-pw", "resetchannels", "&secure", "+@pubsub",
                "+ping", "+hello", "+client");
        roundTrip("redis://pushline:pushline-pw@127.0.0.1:" + redis.port());
    }

    @Test
    void aWrongPasswordFailsAtStart() {
        try (RedisMessageSource source = RedisMessageSource.create("redis://:wrong@127.0.0.1:" + redis.port())) {
            assertThatThrownBy(() -> source.start(new Received())).isInstanceOf(SourceException.class);
        }
    }
}
