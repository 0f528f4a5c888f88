package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.internal.RedisGlob;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Redis glob semantics on bytes, case by case. {@code RedisPatternSemanticsIT} (pushline-redis) checks the same
 * matcher against a real {@code redis-server} on thousands of seeded pairs; these are the cases worth reading.
 */
class RedisGlobTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "news.*, news.sport, true",
        "news.*, news., true",
        "news.*, news, false",
        "*, anything, true",
        "h?llo, hello, true",
        "h?llo, hllo, false",
        "h[ae]llo, hallo, true",
        "h[ae]llo, hillo, false",
        "h[^e]llo, hallo, true",
        "h[^e]llo, hello, false",
        "h[a-b]llo, hbllo, true",
        "h[a-b]llo, hcllo, false",
        "h[b-a]llo, hallo, true",
        "a\\*b, a*b, true",
        "a\\*b, axb, false",
        "stock.*.price, stock.ACME.price, true",
        "stock.*.price, stock.ACME.volume, false",
        "a**b, ab, true",
        "a*b*c, a-b-x-c, true",
        "a*b*c, a-b-x-d, false",
        // '?' is one byte, so one byte of a two-byte character
        "?, é, false",
        "??, é, true",
        "[é][é], é, true",
        // a class left open runs to the end of the pattern
        "[x, x, true",
        "[x, [x, false",
        "h[llo, hl, true",
        "h[llo, h[llo, false",
        "\\[*, [x, true",
        "[a-], ], true",
        "[^, z, true",
        "a[, a, false",
        // a trailing backslash is literal
        "x\\, x\\, true",
        "[]a], a, false",
        "[]a], ]a], false",
    })
    void matchesLikeRedis(String pattern, String text, boolean expected) {
        assertThat(RedisGlob.matches(pattern, text)).isEqualTo(expected);
    }
}
