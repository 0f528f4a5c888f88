package io.pushline;

import io.pushline.internal.Checks;
import java.util.Objects;

/**
 * How frames are delimited on a connection: a value that describes the framing; transports do the decoding.
 *
 * <ul>
 *   <li>{@link #lines()}: a frame is bytes ending in {@code \r\n}; on input a bare {@code \n} also ends a frame.
 *       A payload containing {@code \r} or {@code \n} cannot be sent as a line and is dropped (and counted).</li>
 *   <li>{@link #lengthPrefixed()}: a 4-byte big-endian length, then that many bytes; binary-safe.</li>
 * </ul>
 *
 * <p>Both enforce a maximum frame length (payload bytes, not counting the delimiter or the length prefix),
 * {@link #DEFAULT_MAX_FRAME_LENGTH} unless given. A longer inbound frame gets {@code -ERR frame too long} and
 * the connection is closed. Immutable and thread-safe.
 */
public final class Framing {
    /** The default maximum frame length: 64 KiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 64 * 1024;

    /** The largest maximum frame length that may be configured: 16 MiB. */
    public static final int MAX_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

    /** The kinds of framing. */
    public enum Kind {
        /** CRLF-terminated lines (a bare LF also ends an inbound line). */
        LINES,
        /** A 4-byte big-endian length prefix, then the payload. */
        LENGTH_PREFIXED
    }

    private static final Framing LINES = new Framing(Kind.LINES, DEFAULT_MAX_FRAME_LENGTH);
    private static final Framing LENGTH_PREFIXED = new Framing(Kind.LENGTH_PREFIXED, DEFAULT_MAX_FRAME_LENGTH);

    private final Kind kind;
    private final int maxFrameLength;

    private Framing(Kind kind, int maxFrameLength) {
        this.kind = kind;
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * Line framing with the default maximum frame length.
     *
     * @return line framing
     */
    public static Framing lines() {
        return LINES;
    }

    /**
     * Line framing with a maximum frame length.
     *
     * @param maxFrameLength the longest line in bytes, without its delimiter; 1 to {@link #MAX_MAX_FRAME_LENGTH}
     * @return line framing
     */
    public static Framing lines(int maxFrameLength) {
        return new Framing(Kind.LINES, check(maxFrameLength));
    }

    /**
     * Length-prefixed framing with the default maximum frame length.
     *
     * @return length-prefixed framing
     */
    public static Framing lengthPrefixed() {
        return LENGTH_PREFIXED;
    }

    /**
     * Length-prefixed framing with a maximum frame length.
     *
     * @param maxFrameLength the longest payload in bytes, without the prefix; 1 to {@link #MAX_MAX_FRAME_LENGTH}
     * @return length-prefixed framing
     */
    public static Framing lengthPrefixed(int maxFrameLength) {
        return new Framing(Kind.LENGTH_PREFIXED, check(maxFrameLength));
    }

    /**
     * Returns the same kind of framing with another maximum frame length.
     *
     * @param maxFrameLength the new limit; 1 to {@link #MAX_MAX_FRAME_LENGTH}
     * @return the framing
     */
    public Framing withMaxFrameLength(int maxFrameLength) {
        return new Framing(kind, check(maxFrameLength));
    }

    private static int check(int maxFrameLength) {
        return Checks.inRange(maxFrameLength, 1, MAX_MAX_FRAME_LENGTH, "maxFrameLength");
    }

    /**
     * Returns the kind of framing.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the maximum frame length in payload bytes.
     *
     * @return the limit
     */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /**
     * Tells whether a payload can be carried by this framing: always for length-prefixed framing, and for line
     * framing only when the payload contains neither {@code \r} nor {@code \n}.
     *
     * @param message the message
     * @return whether the payload can be framed
     */
    public boolean canFrame(Message message) {
        return kind == Kind.LENGTH_PREFIXED
                || !message.payloadHasLineBreak();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Framing && ((Framing) o).kind == kind && ((Framing) o).maxFrameLength == maxFrameLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, maxFrameLength);
    }

    @Override
    public String toString() {
        return (kind == Kind.LINES ? "lines" : "length-prefixed") + "(max " + maxFrameLength + ")";
    }
}
