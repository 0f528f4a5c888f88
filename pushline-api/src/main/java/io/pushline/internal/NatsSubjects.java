package io.pushline.internal;

import io.pushline.PatternDialect;
import io.pushline.Topics;

/**
 * The NATS subject dialect: tokens separated by {@code .}; in a pattern a token {@code *} matches exactly one token
 * and a last token {@code >} one or more. Matching walks both once: linear in their lengths.
 */
public final class NatsSubjects implements PatternDialect.TopicPattern {
    /** The dialect behind {@link PatternDialect#natsSubjects()}. */
    public static final PatternDialect DIALECT = new PatternDialect() {
        @Override
        public String name() {
            return "nats";
        }

        @Override
        public String topicProblem(String topic) {
            String problem = tokenProblem(topic, "topic");
            if (problem != null) {
                return problem;
            }
            for (String token : topic.split("\\.", -1)) {
                if (token.equals("*") || token.equals(">")) {
                    return "topic has a wildcard token ('" + token + "'), which only patterns may have";
                }
            }
            return null;
        }

        @Override
        public String patternProblem(String pattern) {
            String problem = tokenProblem(pattern, "pattern");
            if (problem != null) {
                return problem;
            }
            String[] tokens = pattern.split("\\.", -1);
            for (int i = 0; i < tokens.length - 1; i++) {
                if (tokens[i].equals(">")) {
                    return "pattern has '>' before its last token";
                }
            }
            return null;
        }

        @Override
        public PatternDialect.TopicPattern compile(String pattern) {
            return new NatsSubjects(Checks.noProblem(pattern, "pattern", patternProblem(pattern)));
        }

        @Override
        public String toString() {
            return name();
        }
    };

    private final String pattern;
    private final String[] tokens;

    private NatsSubjects(String pattern) {
        this.pattern = pattern;
        this.tokens = pattern.split("\\.", -1);
    }

    private static String tokenProblem(String name, String what) {
        String problem = Topics.problem(name, what);
        if (problem != null) {
            return problem;
        }
        if (name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            return what + " has an empty token (NATS subjects are tokens separated by '.')";
        }
        return null;
    }

    @Override
    public String pattern() {
        return pattern;
    }

    @Override
    public boolean matches(String topic) {
        int at = 0;
        int n = topic.length();
        for (int i = 0; i < tokens.length; i++) {
            if (at > n) {
                return false; // the topic has fewer tokens
            }
            int end = topic.indexOf('.', at);
            if (end < 0) {
                end = n;
            }
            String token = tokens[i];
            if (token.equals(">") && i == tokens.length - 1) {
                return true; // at least this one token is left
            }
            boolean literal = !token.equals("*");
            if (literal && (token.length() != end - at || !topic.regionMatches(at, token, 0, token.length()))) {
                return false;
            }
            at = end + 1;
        }
        return at == n + 1; // every token of the topic was consumed
    }

    @Override
    public String toString() {
        return pattern;
    }
}
