package io.pushline.netty.internal;

/**
 * Tells whether bytes are valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), as a
 * WebSocket text frame requires. Stateless.
 */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * Tells whether {@code bytes[from, to)} is valid UTF-8.
     *
     * @param bytes the bytes
     * @param from the first index
     * @param to the end index, exclusive
     * @return whether they are valid UTF-8
     */
    public static boolean isValid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            int n;
            int min;
            int max = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                n = 1;
                min = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                n = 2;
                min = b == 0xE0 ? 0xA0 : 0x80; // no overlong three-byte forms
                max = b == 0xED ? 0x9F : 0xBF; // no surrogates
            } else if (b >= 0xF0 && b <= 0xF4) {
                n = 3;
                min = b == 0xF0 ? 0x90 : 0x80; // no overlong four-byte forms
                max = b == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
            } else {
                return false; // a continuation byte first, C0/C1 (overlong) or F5..FF
            }
            if (i + n >= to) {
                return false; // truncated
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= n; k++) {
                int c = bytes[i + k] & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += n + 1;
        }
        return true;
    }
}
