package io.pushline.redis;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A view of one RESP value that {@link RespDecoder} found: offsets into the input buffer, reused from one value to
 * the next (copy what must outlive {@link RespDecoder.Sink#onValue}). For an array, the first {@link #ELEMENTS}
 * elements that are bulk strings are located; others read as absent.
 */
final class RespValue {
    /** How many elements of a top-level array are located. */
    static final int ELEMENTS = 4;

    byte type;
    int start;
    int end;
    /** The text of a one-line value, or the content of a bulk string; for an array, its count. */
    int lineStart;
    int lineEnd;
    /** For an array, its element count (-1 for a null array); -1 otherwise. */
    long count = -1;
    final int[] elementStart = new int[ELEMENTS];
    /** For each located element, its length, or -1 when it is not a bulk string (or a null one, or absent). */
    final int[] elementLength = new int[ELEMENTS];

    void clear() {
        count = -1;
        lineStart = 0;
        lineEnd = 0;
        Arrays.fill(elementLength, -1);
    }

    /** Whether this is an array ({@code *}) or a RESP3 push ({@code >}). */
    boolean isArray() {
        return type == '*' || type == '>';
    }

    /** Whether this is an error reply ({@code -}). */
    boolean isError() {
        return type == '-';
    }

    /** How many bytes the value took on the wire. */
    int size() {
        return end - start;
    }

    /** The text of a one-line value, or a bulk string's content, as UTF-8. */
    String text(ByteBuf in) {
        return in.toString(lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
    }

    /** Whether element {@code i} is a bulk string holding exactly {@code expected}. */
    boolean elementIs(ByteBuf in, int i, byte[] expected) {
        int n = elementLength[i];
        if (n != expected.length) {
            return false;
        }
        int from = elementStart[i];
        for (int k = 0; k < n; k++) {
            if (in.getByte(from + k) != expected[k]) {
                return false;
            }
        }
        return true;
    }

    /** Element {@code i} as UTF-8 text, or null when it is not a bulk string. */
    String element(ByteBuf in, int i) {
        int n = elementLength[i];
        return n < 0 ? null : in.toString(elementStart[i], n, StandardCharsets.UTF_8);
    }

    /** A copy of element {@code i}'s bytes (empty when it is not a bulk string). */
    byte[] elementBytes(ByteBuf in, int i) {
        byte[] bytes = new byte[Math.max(elementLength[i], 0)];
        in.getBytes(elementStart[i], bytes);
        return bytes;
    }
}
