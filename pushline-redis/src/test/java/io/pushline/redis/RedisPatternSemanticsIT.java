package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.internal.RedisGlob;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.RespClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pushline's Redis pattern matcher against Redis's own, on a private {@code redis-server}: a subscriber holds a few
 * hundred seeded random channels (ASCII, multi-byte UTF-8, brackets, backslashes, stars), and for each of several
 * hundred seeded random patterns {@code PUBSUB CHANNELS <pattern>} tells which of them Redis matches, the same
 * {@code stringmatchlen} that decides {@code PSUBSCRIBE} deliveries. Every pair must agree.
 */
class RedisPatternSemanticsIT {
    private static final long SEED = 20261201L;
    private static final int TOPICS = 300;
    private static final int PATTERNS = 600;
    /** What patterns and topics are made of: the glob's own syntax, multi-byte characters and plain letters. */
    private static final String[] ALPHABET = {"a", "b", "x", ".", "-", "[", "]", "^", "\\", "*", "?", "é", "€",
        "\uD834\uDD1E", "ß", "0", "9", "~", "_"};

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void agreesWithRedisOnEverySeededPair() {
        Random random = new Random(SEED);
        Set<String> topicSet = new LinkedHashSet<>();
        topicSet.addAll(List.of("é", "[x", "x", "a", "aa", "news.sport", "[", "\\", "*", "?", "a".repeat(200)));
        while (topicSet.size() < TOPICS) {
            String topic = randomText(random, 1 + random.nextInt(12), false);
            if (io.pushline.Topics.isValid(topic)) {
                topicSet.add(topic);
            }
        }
        List<String> topics = new ArrayList<>(topicSet);
        List<String> patterns = new ArrayList<>(List.of("?", "??", "é", "[x", "\\[*", "x*", "[é]", "[é][é]", "[a-]",
                "[^", "[\\", "a[", "*a*a*a*a*a*a*a*a*a*a*b", "[]a]", "[^]", "[z-a]", "[a-é]", "\\", "x\\",
                "*\\*", "[\\]]"));
        while (patterns.size() < PATTERNS) {
            String pattern = random.nextBoolean() ? randomText(random, 1 + random.nextInt(8), true)
                    : mutate(random, topics.get(random.nextInt(topics.size())));
            if (io.pushline.Topics.isValid(pattern)) {
                patterns.add(pattern);
            }
        }

        long pairs = 0;
        long matches = 0;
        List<String> disagreements = new ArrayList<>();
        try (RespClient subscriber = new RespClient("127.0.0.1", redis.port());
                RespClient queries = new RespClient("127.0.0.1", redis.port())) {
            for (String topic : topics) {
                subscriber.command("SUBSCRIBE", topic);
            }
            for (String pattern : patterns) {
                @SuppressWarnings("unchecked")
                Set<String> redisMatches = new HashSet<>((List<String>) queries.command("PUBSUB", "CHANNELS", pattern));
                RedisGlob glob = RedisGlob.compile(pattern);
                for (String topic : topics) {
                    boolean ours = glob.matches(topic);
                    boolean theirs = redisMatches.contains(topic);
                    pairs++;
                    matches += theirs ? 1 : 0;
                    if (ours != theirs) {
                        disagreements.add("'" + pattern + "' ~ '" + topic + "': redis " + theirs + ", pushline " + ours);
                    }
                }
            }
        }
        System.out.printf("%d pattern/topic pairs, %d of them matching: Pushline and Redis agree on %d%n", pairs,
                matches, pairs - disagreements.size());
        assertThat(disagreements).as("pairs where Pushline and Redis disagree").isEmpty();
        assertThat(pairs).isGreaterThanOrEqualTo(10_000);
        assertThat(matches).as("matching pairs among " + pairs).isGreaterThan(1_000);
    }

    @Test
    void aPathologicalPatternIsMatchedQuickly() {
        RedisGlob glob = RedisGlob.compile("*a".repeat(127) + "b"); // 255 bytes: 127 stars
        String topic = "a".repeat(256);
        long started = System.nanoTime();
        for (int i = 0; i < 1_000; i++) {
            assertThat(glob.matches(topic)).isFalse();
        }
        Duration perMatch = Duration.ofNanos((System.nanoTime() - started) / 1_000);
        // backtracking would take longer than the age of the universe; the bound is 65,536 element tests
        assertThat(perMatch).isLessThan(Duration.ofMillis(5));
    }

    private static String randomText(Random random, int length, boolean pattern) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            String piece = ALPHABET[random.nextInt(ALPHABET.length)];
            if (!pattern && random.nextInt(3) > 0) {
                piece = ALPHABET[random.nextInt(3)]; // topics: mostly letters, so that patterns hit them
            }
            s.append(piece);
        }
        return s.toString();
    }

    /** A pattern made from a topic: some bytes become wildcards, classes, ranges or escapes. */
    private static String mutate(Random random, String topic) {
        StringBuilder p = new StringBuilder();
        int[] cps = topic.codePoints().toArray();
        for (int cp : cps) {
            String c = new String(Character.toChars(cp));
            switch (random.nextInt(12)) {
                case 0 -> p.append('?');
                case 1 -> p.append('*');
                case 2 -> p.append('[').append(c).append(random.nextBoolean() ? "b]" : "]");
                case 3 -> p.append("[^").append(c).append(']');
                case 4 -> p.append('[').append(random.nextBoolean() ? "a-" + c : c + "-z").append(']');
                case 5 -> p.append('\\').append(c);
                case 6 -> p.append(c).append('*');
                case 7 -> p.append('[').append(c); // an unterminated class, when nothing closes it
                default -> p.append(c);
            }
        }
        return p.toString();
    }
}
