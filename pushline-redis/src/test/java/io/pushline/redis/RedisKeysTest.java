package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cluster slot function and the history keys, without a server (see {@link RedisKeysIT} for Redis's word). */
class RedisKeysTest {
    private static final List<String> AWKWARD = List.of("a{b}c", "a}b", "{}x", "x{}", "{a", "}", "{}", "{{}}",
            "a}{b}", "}{", "news", "{user1000}.following", "é}ü", "tck.h.x");

    @Test
    void crc16IsTheXmodemVariant() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(RedisKeys.crc16(check, 0, check.length)).isEqualTo(0x31C3);
        assertThat(RedisKeys.slot("123456789")).isEqualTo(12739);
    }

    @Test
    void slotsMatchPublishedValues() {
        assertThat(RedisKeys.slot("foo")).isEqualTo(12182);
        assertThat(RedisKeys.slot("bar")).isEqualTo(5061);
        assertThat(RedisKeys.slot("hello")).isEqualTo(866);
        assertThat(RedisKeys.slot("")).isZero();
    }

    @Test
    void slotsFollowTheHashTagRules() {
        assertThat(RedisKeys.slot("{user1000}.following")).isEqualTo(RedisKeys.slot("{user1000}.followers"))
                .isEqualTo(RedisKeys.slot("user1000"));
        assertThat(RedisKeys.slot("foo{}{bar}")).as("an empty first tag: the whole key")
                .isEqualTo(RedisKeys.crc16(bytes("foo{}{bar}"), 0, 10) & 16383);
        assertThat(RedisKeys.slot("foo{{bar}}zap")).as("the tag is {bar").isEqualTo(RedisKeys.slot("{bar"));
        assertThat(RedisKeys.slot("foo{bar}{zap}")).as("only the first tag counts").isEqualTo(RedisKeys.slot("bar"));
        assertThat(RedisKeys.slot("{a")).as("no closing brace: the whole key")
                .isEqualTo(RedisKeys.crc16(bytes("{a"), 0, 2) & 16383);
    }

    @Test
    void bothKeysOfATopicAreInItsSlot() {
        for (String topic : AWKWARD) {
            String[] keys = RedisKeys.keys(topic);
            assertThat(keys).containsExactly(RedisKeys.meta(topic), RedisKeys.stream(topic));
            assertThat(keys[0]).as(topic).startsWith("pushline:{").endsWith("}:" + topic + ":m");
            assertThat(keys[1]).as(topic).endsWith("}:" + topic + ":s");
            assertThat(RedisKeys.tag(topic)).as(topic).isNotEmpty().doesNotContain("}");
            assertThat(RedisKeys.slot(keys[0])).as(keys[0]).isEqualTo(RedisKeys.slot(topic));
            assertThat(RedisKeys.slot(keys[1])).as(keys[1]).isEqualTo(RedisKeys.slot(topic));
        }
        assertThat(RedisKeys.tag("a{b}c")).isEqualTo("b");
        assertThat(RedisKeys.tag("{a")).isEqualTo("{a");
        assertThat(RedisKeys.tag("news")).isEqualTo("news");
        assertThat(RedisKeys.tag("a}b")).matches("[0-9a-z]{1,4}");
    }

    @Test
    void randomTopicsWithBracesLandInTheirSlot() {
        Random random = new Random(42);
        char[] alphabet = "{}ab.".toCharArray();
        for (int n = 0; n < 2_000; n++) {
            char[] topic = new char[1 + random.nextInt(8)];
            for (int i = 0; i < topic.length; i++) {
                topic[i] = alphabet[random.nextInt(alphabet.length)];
            }
            String t = new String(topic);
            assertThat(RedisKeys.slot(RedisKeys.meta(t))).as(t).isEqualTo(RedisKeys.slot(t));
        }
    }

    @Test
    void everySlotHasATagOfAtMostFourCharacters() {
        BitSet hit = new BitSet(RedisKeys.SLOTS);
        byte[] alphabet = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
        for (int length = 1; length <= 4; length++) {
            byte[] s = new byte[length];
            int combinations = (int) Math.pow(alphabet.length, length);
            for (int n = 0; n < combinations; n++) {
                int rest = n;
                for (int i = length - 1; i >= 0; i--) {
                    s[i] = alphabet[rest % alphabet.length];
                    rest /= alphabet.length;
                }
                hit.set(RedisKeys.crc16(s, 0, length) & (RedisKeys.SLOTS - 1));
            }
        }
        assertThat(hit.cardinality()).isEqualTo(RedisKeys.SLOTS);
        for (int slot : new int[] {0, 1, 866, 12182, 16383}) {
            String tag = RedisKeys.tagForSlot(slot);
            assertThat(RedisKeys.slot(tag)).isEqualTo(slot);
            assertThat(RedisKeys.tagForSlot(slot)).isSameAs(tag);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
