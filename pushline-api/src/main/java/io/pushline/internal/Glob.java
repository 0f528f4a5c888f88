package io.pushline.internal;

/**
 * Redis-compatible glob matching ({@code PSUBSCRIBE} semantics): {@code *} matches any run of characters,
 * {@code ?} one character, {@code [abc]}, {@code [^a]} and {@code [a-z]} character classes, and a backslash
 * escapes the next character.
 */
public final class Glob {
    private Glob() {
    }

    /**
     * Tells whether {@code text} matches {@code pattern}.
     *
     * @param pattern a Redis glob pattern
     * @param text the text, for example a topic name
     * @return whether it matches
     */
    public static boolean matches(String pattern, String text) {
        return match(pattern, 0, text, 0);
    }

    private static boolean match(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            switch (c) {
                case '*':
                    while (pi + 1 < p.length() && p.charAt(pi + 1) == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length()) {
                        return true;
                    }
                    for (int k = si; k <= s.length(); k++) {
                        if (match(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                case '?':
                    if (si >= s.length()) {
                        return false;
                    }
                    si++;
                    pi++;
                    break;
                case '[': {
                    if (si >= s.length()) {
                        return false;
                    }
                    int end = classEnd(p, pi);
                    if (end < 0) {
                        // an unterminated class matches a literal '[' as Redis does for the rest of the pattern
                        if (s.charAt(si) != '[') {
                            return false;
                        }
                        si++;
                        pi++;
                        break;
                    }
                    if (!classMatches(p, pi + 1, end, s.charAt(si))) {
                        return false;
                    }
                    si++;
                    pi = end + 1;
                    break;
                }
                default:
                    if (c == '\\' && pi + 1 < p.length()) {
                        pi++;
                        c = p.charAt(pi);
                    }
                    if (si >= s.length() || s.charAt(si) != c) {
                        return false;
                    }
                    si++;
                    pi++;
                    break;
            }
        }
        return si == s.length();
    }

    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && p.charAt(i) == '^') {
            i++;
        }
        for (; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == ']') {
                return i;
            }
        }
        return -1;
    }

    private static boolean classMatches(String p, int from, int end, char ch) {
        boolean negate = from < end && p.charAt(from) == '^';
        int i = negate ? from + 1 : from;
        boolean matched = false;
        while (i < end) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < end) {
                i++;
                c = p.charAt(i);
                matched |= c == ch;
                i++;
            } else if (i + 2 < end && p.charAt(i + 1) == '-') {
                char lo = c;
                char hi = p.charAt(i + 2);
                if (lo > hi) {
                    char t = lo;
                    lo = hi;
                    hi = t;
                }
                matched |= ch >= lo && ch <= hi;
                i += 3;
            } else {
                matched |= c == ch;
                i++;
            }
        }
        return negate != matched;
    }
}
