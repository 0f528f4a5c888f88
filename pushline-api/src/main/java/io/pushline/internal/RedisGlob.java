package io.pushline.internal;

import io.pushline.PatternDialect;
import io.pushline.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Redis glob pattern, compiled: matches topics byte for byte exactly as Redis's {@code stringmatchlen} does for
 * {@code PSUBSCRIBE} (case-sensitive), in time bounded by the product of the two lengths.
 *
 * <p>Semantics, on the UTF-8 bytes of pattern and topic: {@code *} matches any run of bytes, {@code ?} exactly one
 * byte (so one byte of a multi-byte character), {@code [...]} one byte from a set ({@code ^} first negates it,
 * {@code a-z} is a range compared as <em>signed</em> bytes, reversed ranges are swapped, a backslash escapes the
 * next byte, and a class left open runs to the end of the pattern), and a backslash outside a class makes the next
 * byte literal (a trailing backslash is itself literal).
 *
 * <p>Redis matches by backtracking, exponential in the number of stars on a bad input. The same language is
 * matched here without backtracking beyond one star: the pattern is split at its stars into segments of one-byte
 * elements; the first segment must match at the start, the last at the end, and each middle one is taken at its
 * leftmost match. Each segment search is at most (topic length x segment length) element tests, so a match costs
 * at most (topic length x pattern length) tests, 65,536 for two 256-byte inputs.
 *
 * <p>Immutable and thread-safe.
 */
public final class RedisGlob implements PatternDialect.TopicPattern {
    /** The dialect behind {@link PatternDialect#redisGlob()}. */
    public static final PatternDialect DIALECT = new PatternDialect() {
        @Override
        public String name() {
            return "redis-glob";
        }

        @Override
        public String topicProblem(String topic) {
            return Topics.problem(topic, "topic");
        }

        @Override
        public String patternProblem(String pattern) {
            return Topics.problem(pattern, "pattern");
        }

        @Override
        public PatternDialect.TopicPattern compile(String pattern) {
            return RedisGlob.compile(Checks.noProblem(pattern, "pattern", patternProblem(pattern)));
        }

        @Override
        public String toString() {
            return name();
        }
    };

    private static final byte LITERAL = 0;
    private static final byte ANY = 1;
    private static final byte CLASS = 2;

    private final String pattern;
    /** The segments between stars, each a run of one-byte elements. */
    private final Segment[] segments;
    private final boolean leadingStar;
    private final boolean trailingStar;
    /** Whether the pattern is empty (matches only the empty topic). */
    private final boolean empty;

    private RedisGlob(String pattern, Segment[] segments, boolean leadingStar, boolean trailingStar, boolean empty) {
        this.pattern = pattern;
        this.segments = segments;
        this.leadingStar = leadingStar;
        this.trailingStar = trailingStar;
        this.empty = empty;
    }

    /**
     * Compiles a pattern.
     *
     * @param pattern the pattern, matched on its UTF-8 bytes
     * @return the compiled pattern
     */
    public static RedisGlob compile(String pattern) {
        return compile(pattern, pattern.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Tells whether {@code topic} matches {@code pattern}; compiles the pattern each time (use {@link #compile}
     * for a pattern matched often).
     *
     * @param pattern the pattern
     * @param topic the topic
     * @return whether Redis would deliver a message on {@code topic} to a {@code PSUBSCRIBE pattern}
     */
    public static boolean matches(String pattern, String topic) {
        return compile(pattern).matches(topic);
    }

    @Override
    public String pattern() {
        return pattern;
    }

    /** Matches on the topic's UTF-8 bytes. */
    @Override
    public boolean matches(String topic) {
        return matches(topic.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Tells whether a topic, given as bytes, matches.
     *
     * @param topic the topic's bytes
     * @return whether it matches
     */
    public boolean matches(byte[] topic) {
        int n = topic.length;
        if (n == 0) {
            return empty; // Redis compares nothing against an empty string: only the empty pattern matches it
        }
        if (segments.length == 1 && !leadingStar && !trailingStar) {
            Segment only = segments[0];
            return only.length() == n && only.matchesAt(topic, 0);
        }
        int from = 0;
        int to = n;
        int first = 0;
        int last = segments.length - 1;
        if (!leadingStar) {
            Segment head = segments[0];
            if (head.length() > n || !head.matchesAt(topic, 0)) {
                return false;
            }
            from = head.length();
            first = 1;
        }
        if (!trailingStar) {
            Segment tail = segments[last];
            if (tail.length() > to - from || !tail.matchesAt(topic, n - tail.length())) {
                return false;
            }
            to = n - tail.length();
            last--;
        }
        for (int s = first; s <= last; s++) {
            Segment segment = segments[s];
            int at = segment.find(topic, from, to);
            if (at < 0) {
                return false;
            }
            from = at + segment.length();
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisGlob && ((RedisGlob) o).pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }

    /** Parses the pattern into elements exactly as Redis's matcher walks it. */
    private static RedisGlob compile(String text, byte[] p) {
        int n = p.length;
        java.util.List<Segment> segments = new java.util.ArrayList<>();
        Segment.Builder current = new Segment.Builder();
        boolean leadingStar = false;
        boolean trailingStar = false;
        int i = 0;
        while (i < n) {
            byte c = p[i];
            if (c == '*') {
                if (current.isEmpty()) {
                    if (segments.isEmpty()) {
                        leadingStar = true;
                    }
                } else {
                    segments.add(current.build());
                    current = new Segment.Builder();
                }
                trailingStar = true;
                i++;
                continue;
            }
            trailingStar = false;
            if (c == '?') {
                current.any();
                i++;
            } else if (c == '[') {
                i++;
                boolean not = at(p, i) == '^';
                if (not) {
                    i++;
                }
                long[] set = new long[4];
                while (true) {
                    int remaining = n - i;
                    if (at(p, i) == '\\' && remaining >= 2) {
                        i++;
                        add(set, p[i]);
                    } else if (at(p, i) == ']') {
                        break;
                    } else if (remaining == 0) {
                        i--; // an unterminated class: its members run to the end of the pattern
                        break;
                    } else if (remaining >= 3 && p[i + 1] == '-') {
                        int start = p[i];
                        int end = p[i + 2]; // compared as signed bytes, as C's char
                        if (start > end) {
                            int t = start;
                            start = end;
                            end = t;
                        }
                        for (int b = start; b <= end; b++) {
                            add(set, (byte) b);
                        }
                        i += 2;
                    } else {
                        add(set, p[i]);
                    }
                    i++;
                }
                i++;
                if (not) {
                    for (int w = 0; w < set.length; w++) {
                        set[w] = ~set[w];
                    }
                }
                current.klass(set);
            } else if (c == '\\' && n - i >= 2) {
                current.literal(p[i + 1]);
                i += 2;
            } else {
                current.literal(c);
                i++;
            }
        }
        if (!current.isEmpty() || segments.isEmpty()) {
            segments.add(current.build());
        }
        return new RedisGlob(text, segments.toArray(new Segment[0]), leadingStar, trailingStar, n == 0);
    }

    private static int at(byte[] p, int i) {
        return i < p.length ? p[i] : 0; // Redis's patterns end in a NUL byte
    }

    private static void add(long[] set, byte b) {
        int u = b & 0xff;
        set[u >>> 6] |= 1L << (u & 63);
    }

    /** A run of one-byte elements between stars. */
    private static final class Segment {
        private final byte[] kinds;
        private final byte[] literals;
        /** For each CLASS element, its 256-bit set. */
        private final long[][] classes;

        private Segment(byte[] kinds, byte[] literals, long[][] classes) {
            this.kinds = kinds;
            this.literals = literals;
            this.classes = classes;
        }

        int length() {
            return kinds.length;
        }

        boolean matchesAt(byte[] topic, int at) {
            for (int k = 0; k < kinds.length; k++) {
                byte b = topic[at + k];
                switch (kinds[k]) {
                    case LITERAL:
                        if (b != literals[k]) {
                            return false;
                        }
                        break;
                    case CLASS: {
                        int u = b & 0xff;
                        if ((classes[k][u >>> 6] & (1L << (u & 63))) == 0) {
                            return false;
                        }
                        break;
                    }
                    default:
                        break; // ANY
                }
            }
            return true;
        }

        /** The leftmost index in {@code [from, to - length]} where this segment matches, or -1. */
        int find(byte[] topic, int from, int to) {
            for (int at = from; at + kinds.length <= to; at++) {
                if (matchesAt(topic, at)) {
                    return at;
                }
            }
            return -1;
        }

        static final class Builder {
            private byte[] kinds = new byte[8];
            private byte[] literals = new byte[8];
            private long[][] classes = new long[8][];
            private int size;

            boolean isEmpty() {
                return size == 0;
            }

            void literal(byte b) {
                grow();
                kinds[size] = LITERAL;
                literals[size++] = b;
            }

            void any() {
                grow();
                kinds[size++] = ANY;
            }

            void klass(long[] set) {
                grow();
                kinds[size] = CLASS;
                classes[size++] = set;
            }

            private void grow() {
                if (size == kinds.length) {
                    kinds = Arrays.copyOf(kinds, size * 2);
                    literals = Arrays.copyOf(literals, size * 2);
                    classes = Arrays.copyOf(classes, size * 2);
                }
            }

            Segment build() {
                return new Segment(Arrays.copyOf(kinds, size), Arrays.copyOf(literals, size),
                        Arrays.copyOf(classes, size));
            }
        }
    }
}
