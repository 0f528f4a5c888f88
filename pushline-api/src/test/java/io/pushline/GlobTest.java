package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.internal.Glob;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Redis glob semantics, case by case (the cases mirror Redis's stringmatchlen behaviour). */
class GlobTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "news.*, news.sport, true",
        "news.*, news., true",
        "news.*, news, false",
        "*, anything, true",
        "*, '', true",
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
        "h[llo, h[llo, true",
    })
    void matchesLikeRedis(String pattern, String text, boolean expected) {
        assertThat(Glob.matches(pattern, text)).isEqualTo(expected);
    }
}
