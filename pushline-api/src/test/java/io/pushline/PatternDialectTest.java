package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The two dialects side by side: what a topic and a pattern are, and what matches. */
class PatternDialectTest {
    private static final PatternDialect NATS = PatternDialect.natsSubjects();
    private static final PatternDialect REDIS = PatternDialect.redisGlob();

    @ParameterizedTest(name = "{0} ~ {1}: nats {2}, redis {3}")
    @CsvSource({
        "news.*, news.sport, true, true",
        "news.*, news.sport.live, false, true",
        "news.>, news.sport.live, true, false",
        "news.>, news, false, false",
        "*.sport, news.sport, true, true",
        "news.sp*, news.sport, false, true",
        "news, news, true, true",
        "news.?, news.a, false, true",
    })
    void matchesAsEachBrokerDoes(String pattern, String topic, boolean nats, boolean redis) {
        assertThat(NATS.matches(pattern, topic)).isEqualTo(nats);
        assertThat(REDIS.matches(pattern, topic)).isEqualTo(redis);
    }

    @Test
    void natsSubjectsAreTokensAndWildcardsAreForPatterns() {
        assertThat(NATS.topicProblem("news.sport")).isNull();
        assertThat(NATS.topicProblem("news..sport")).contains("empty token");
        assertThat(NATS.topicProblem(".news")).contains("empty token");
        assertThat(NATS.topicProblem("news.*")).contains("wildcard");
        assertThat(NATS.topicProblem("news.>")).contains("wildcard");
        assertThat(NATS.topicProblem("has space")).isEqualTo("topic contains a space");
        assertThat(NATS.patternProblem("news.>.x")).contains("'>' before its last token");
        assertThat(NATS.patternProblem("news.*.>")).isNull();
        assertThatThrownBy(() -> NATS.compile("a..b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(NATS.name()).isEqualTo("nats");
        assertThat(REDIS.name()).isEqualTo("redis-glob");
    }

    @Test
    void redisTopicsAreAnyValidTopic() {
        assertThat(REDIS.topicProblem("news..sport")).isNull();
        assertThat(REDIS.patternProblem("bad pattern")).isEqualTo("pattern contains a space");
    }

    @Test
    void aLongNatsSubjectMatchesInLinearTime() {
        String topic = "a.".repeat(120) + "b";
        PatternDialect.TopicPattern p = NATS.compile("*.".repeat(120) + "c");
        long started = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            assertThat(p.matches(topic)).isFalse();
        }
        assertThat(System.nanoTime() - started).isLessThan(2_000_000_000L);
    }
}
