package io.pushline;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one place where topic names and patterns are checked against the wire protocol's rules:
 * 1 to {@value #MAX_LENGTH} bytes in UTF-8, with no spaces and no control characters.
 *
 * <p>Thread-safe: stateless.
 */
public final class Topics {
    /** The longest topic or pattern, in UTF-8 bytes. */
    public static final int MAX_LENGTH = 256;

    private Topics() {
    }

    /**
     * Tells what is wrong with a topic name, or returns {@code null} when it is valid.
     *
     * @param topic the topic to check; may be null
     * @return a short reason such as {@code "topic is empty"}, or {@code null} when the topic is valid
     */
    public static String problem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "topic is empty";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == ' ') {
                return "topic contains a space";
            }
            if (Character.isISOControl(c)) {
                return "topic contains a control character";
            }
        }
        int bytes = topic.length() <= MAX_LENGTH / 3 ? topic.length()
                : topic.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_LENGTH) {
            return "topic is longer than " + MAX_LENGTH + " bytes";
        }
        return null;
    }

    /**
     * Tells whether a topic name (or pattern) follows the protocol's rules.
     *
     * @param topic the topic to check; may be null
     * @return whether it is valid
     */
    public static boolean isValid(String topic) {
        return problem(topic) == null;
    }

    /**
     * Checks a topic name (or pattern) and returns it.
     *
     * @param topic the topic to check
     * @return {@code topic}
     * @throws IllegalArgumentException with the reason when the topic is not valid
     * @throws NullPointerException when {@code topic} is null
     */
    public static String validate(String topic) {
        Objects.requireNonNull(topic, "topic");
        String problem = problem(topic);
        if (problem != null) {
            throw new IllegalArgumentException("topic: '" + topic + "' (" + problem + ")");
        }
        return topic;
    }
}
