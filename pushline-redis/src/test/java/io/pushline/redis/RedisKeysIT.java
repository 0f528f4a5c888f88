package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.test.RedisServerExtension;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisKeys#slot(String)} against Redis's own {@code CLUSTER KEYSLOT}, on a private {@code redis-server} in
 * cluster mode (no slots assigned: {@code CLUSTER KEYSLOT} needs none). Its node file goes to {@code target/}.
 */
class RedisKeysIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(List.of("--cluster-enabled", "yes",
            "--dir", "target", "--cluster-config-file", "redis-keys-it-nodes.conf"));

    @Test
    void slotsAgreeWithClusterKeyslot() {
        Random random = new Random(7);
        String alphabet = "{}ab.é";
        for (int n = 0; n < 300; n++) {
            StringBuilder key = new StringBuilder();
            for (int i = random.nextInt(10); i >= 0; i--) {
                key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String k = key.toString();
            assertThat((long) RedisKeys.slot(k)).as(k).isEqualTo(keyslot(k));
        }
        for (String topic : List.of("a{b}c", "a}b", "{}x", "x{}", "{a", "foo", "123456789")) {
            long slot = keyslot(topic);
            assertThat((long) RedisKeys.slot(topic)).as(topic).isEqualTo(slot);
            assertThat(keyslot(RedisKeys.meta(topic))).as(RedisKeys.meta(topic)).isEqualTo(slot);
            assertThat(keyslot(RedisKeys.stream(topic))).as(RedisKeys.stream(topic)).isEqualTo(slot);
        }
        assertThat(keyslot("foo")).isEqualTo(12182);
        assertThat(keyslot("123456789")).isEqualTo(12739);
    }

    private static long keyslot(String key) {
        return (Long) redis.command("CLUSTER", "KEYSLOT", key);
    }
}
