package io.pushline;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a message sits in its topic's history: the topic's {@link #epoch() epoch} and the message's
 * {@link #offset() offset}. Offsets grow by exactly 1 per message published to the topic; the epoch is a random
 * token that changes whenever the topic's history is lost (deleted, expired, or the broker restarted empty), so a
 * position from an earlier epoch can never be mistaken for one of today's.
 *
 * <p>On the wire a position is one opaque token, {@code <offset>.<epoch>} (for example {@code 42.Xk3v9QaZ}).
 * Clients store it and send it back; they should not parse it. {@link #parse(String)} reads it back.
 *
 * <p>Immutable and thread-safe.
 */
public final class Position {
    /** The most characters an epoch may have. */
    public static final int MAX_EPOCH_LENGTH = 32;

    private static final char[] EPOCH_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final long offset;
    private final String epoch;

    private Position(long offset, String epoch) {
        this.offset = offset;
        this.epoch = epoch;
    }

    /**
     * Creates a position.
     *
     * @param offset the offset, 0 or more (0 is the top of a topic nothing was published to yet)
     * @param epoch the epoch: 1 to {@value #MAX_EPOCH_LENGTH} ASCII letters, digits, {@code _} or {@code -}
     * @return the position
     * @throws IllegalArgumentException when the offset is negative or the epoch is not valid
     */
    public static Position of(long offset, String epoch) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        if (!validEpoch(Objects.requireNonNull(epoch, "epoch"))) {
            throw new IllegalArgumentException("epoch: '" + epoch + "' (expected: 1 to " + MAX_EPOCH_LENGTH
                    + " characters of A-Z, a-z, 0-9, '_' or '-')");
        }
        return new Position(offset, epoch);
    }

    /**
     * Reads a position from its wire token.
     *
     * @param token the token, as {@link #toString()} writes it
     * @return the position, or empty when the token is not a valid position (never throws for bad input)
     */
    public static Optional<Position> parse(String token) {
        if (token == null) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 1 || dot > 19) {
            return Optional.empty();
        }
        long offset = 0;
        for (int i = 0; i < dot; i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
            offset = offset * 10 + (c - '0');
            if (offset < 0) {
                return Optional.empty();
            }
        }
        String epoch = token.substring(dot + 1);
        return validEpoch(epoch) ? Optional.of(new Position(offset, epoch)) : Optional.empty();
    }

    /**
     * Returns a new random epoch: 12 letters and digits (about 71 bits).
     *
     * @return a fresh epoch
     */
    public static String newEpoch() {
        char[] c = new char[12];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < c.length; i++) {
            c[i] = EPOCH_CHARS[random.nextInt(EPOCH_CHARS.length)];
        }
        return new String(c);
    }

    private static boolean validEpoch(String epoch) {
        int n = epoch.length();
        if (n == 0 || n > MAX_EPOCH_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = epoch.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the offset: how many messages were published to the topic in this epoch up to this one.
     *
     * @return the offset, 0 or more
     */
    public long offset() {
        return offset;
    }

    /**
     * Returns the epoch: the identity of the topic's history.
     *
     * @return the epoch
     */
    public String epoch() {
        return epoch;
    }

    /**
     * Returns the position {@code n} messages after this one, in the same epoch.
     *
     * @param n how many messages further, 0 or more
     * @return the position
     */
    public Position plus(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        return n == 0 ? this : new Position(offset + n, epoch);
    }

    /**
     * Tells whether this position comes right after {@code previous}: same epoch, offset one more.
     *
     * @param previous the position before
     * @return whether no message lies between them
     */
    public boolean follows(Position previous) {
        return previous.epoch.equals(epoch) && offset == previous.offset + 1;
    }

    /**
     * Tells whether this position is in the same epoch as {@code other}.
     *
     * @param other another position
     * @return whether both belong to the same history
     */
    public boolean sameEpoch(Position other) {
        return epoch.equals(other.epoch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Position p && p.offset == offset && p.epoch.equals(epoch);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + epoch.hashCode();
    }

    /** Returns the wire token: {@code <offset>.<epoch>}. */
    @Override
    public String toString() {
        return offset + "." + epoch;
    }
}
