package io.pushline.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte-array scans on the per-message path. */
public final class Bytes {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long CRS = 0x0d0d0d0d0d0d0d0dL;
    private static final long LFS = 0x0a0a0a0a0a0a0a0aL;

    private Bytes() {
    }

    /**
     * Tells whether {@code bytes} holds a CR or LF byte, which line framing cannot carry: one pass, eight bytes at
     * a time (SWAR).
     *
     * @param bytes the bytes to scan
     * @return whether a CR or LF occurs
     */
    public static boolean containsLineBreak(byte[] bytes) {
        int i = 0;
        for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
            long word = (long) LONGS.get(bytes, i);
            if (hasZeroByte(word ^ CRS) || hasZeroByte(word ^ LFS)) {
                return true;
            }
        }
        for (; i < bytes.length; i++) {
            if (bytes[i] == '\r' || bytes[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Exact: true when some byte of {@code v} is zero. */
    private static boolean hasZeroByte(long v) {
        return ((v - 0x0101010101010101L) & ~v & 0x8080808080808080L) != 0;
    }
}
