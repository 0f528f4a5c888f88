package io.pushline;

import io.pushline.internal.Checks;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one place where topic names and patterns are checked against the wire protocol's rules:
 * 1 to {@value #MAX_LENGTH} bytes of valid UTF-8, with no spaces, no control characters and no Unicode line or
 * paragraph separators. Names starting with {@value #RESERVED_PREFIX} are valid but {@link #isReserved reserved}:
 * the server uses them for its own notices ({@code $dropped}), so clients can neither subscribe to nor publish on
 * them, and no pattern delivers them.
 *
 * <p>Thread-safe: stateless.
 */
public final class Topics {
    /** The longest topic or pattern, in UTF-8 bytes. */
    public static final int MAX_LENGTH = 256;

    /** The first character of the names the server keeps for itself: {@value}. */
    public static final String RESERVED_PREFIX = "$";

    private Topics() {
    }

    /**
     * Tells what is wrong with a topic name, or returns {@code null} when it is valid.
     *
     * @param topic the topic to check; may be null
     * @return a short reason such as {@code "topic is empty"}, or {@code null} when the topic is valid
     */
    public static String problem(String topic) {
        return problem(topic, "topic");
    }

    /**
     * Tells what is wrong with a name, in words that call it {@code what} ({@code "pattern"}, {@code "id"}, ...),
     * or returns {@code null} when it is valid.
     *
     * @param name the name to check; may be null
     * @param what what the name is, for the reason
     * @return a short reason such as {@code "pattern contains a space"}, or {@code null} when the name is valid
     */
    public static String problem(String name, String what) {
        if (name == null || name.isEmpty()) {
            return what + " is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ' ') {
                return what + " contains a space";
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return what + " contains a control character";
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == name.length()
                        || !Character.isLowSurrogate(name.charAt(i + 1))) {
                    return what + " is not valid Unicode (an unpaired surrogate)";
                }
                i++;
            }
        }
        int bytes = name.length() <= MAX_LENGTH / 3 ? name.length()
                : name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_LENGTH) {
            return what + " is longer than " + MAX_LENGTH + " bytes";
        }
        return null;
    }

    /**
     * Tells whether a name is reserved for the server (it starts with {@value #RESERVED_PREFIX}).
     *
     * @param name a topic or pattern
     * @return whether clients may not subscribe to or publish on it
     */
    public static boolean isReserved(String name) {
        return name != null && name.startsWith(RESERVED_PREFIX);
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
        return Checks.noProblem(topic, "topic", problem(topic));
    }
}
