package io.pushline.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks that produce messages naming the argument, the bad value and what was expected,
 * for example {@code maxFrameLength: 0 (expected: > 0)}.
 */
public final class Checks {
    private Checks() {
    }

    /**
     * Checks that {@code value} is positive.
     *
     * @param value the value to check
     * @param name the argument name for the message
     * @return {@code value}
     * @throws IllegalArgumentException when {@code value <= 0}
     */
    public static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    /**
     * Checks that {@code value} lies in {@code [min, max]}.
     *
     * @param value the value to check
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @param name the argument name for the message
     * @return {@code value}
     * @throws IllegalArgumentException when {@code value} is out of range
     */
    public static int inRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    /**
     * Checks that {@code value} is a positive duration.
     *
     * @param value the value to check
     * @param name the argument name for the message
     * @return {@code value}
     * @throws IllegalArgumentException when {@code value} is zero or negative
     * @throws NullPointerException when {@code value} is null
     */
    public static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    /**
     * Describes a bad name the way every check here does: {@code topic: 'a b' (topic contains a space)}.
     *
     * @param name what the value is, for example {@code topic}
     * @param value the bad value
     * @param problem what is wrong with it
     * @return the description
     */
    public static String describe(String name, String value, String problem) {
        return name + ": '" + value + "' (" + problem + ")";
    }

    /**
     * Checks that a name has no problem, as found by a check such as {@code Topics.problem}.
     *
     * @param value the value checked
     * @param name what the value is, for the message
     * @param problem what is wrong with it, or null when nothing is
     * @return {@code value}
     * @throws IllegalArgumentException with {@link #describe} of the problem when there is one
     */
    public static String noProblem(String value, String name, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(describe(name, value, problem));
        }
        return value;
    }
}
