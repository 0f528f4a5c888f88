package io.pushline.redis;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Redis Cluster key slots, and the keys that hold a topic's history, all in the topic's own slot (so that one
 * script can touch both, on Redis Cluster too):
 * <ul>
 *   <li>{@code pushline:{TAG}:T:m}, the meta hash: field {@code e} the epoch, field {@code t} the top offset;</li>
 *   <li>{@code pushline:{TAG}:T:s}, the stream of the last messages: entry id {@code <offset>-0}, field
 *       {@code p} the payload.</li>
 * </ul>
 * {@code T} is the topic and {@code TAG} a string without <code>&#125;</code> whose slot is the topic's: the
 * content of the topic's hash tag when it has one ({@code {user1}.news} gives {@code user1}); the topic itself
 * when it has no <code>&#125;</code>; otherwise (a <code>&#125;</code> but no hash tag, as in
 * <code>a&#125;b</code> or {@code {}x}) the first string, in the order {@code 0}, ..., {@code z}, {@code 00},
 * {@code 01}, ... over {@code [0-9a-z]}, whose slot is the topic's.
 * Every publisher and source derives the same keys from the topic alone. Thread-safe.
 */
final class RedisKeys {
    /** How many slots Redis Cluster has. */
    static final int SLOTS = 16_384;

    private static final char[] TAG_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int[] CRC_TABLE = new int[256];
    /** Per slot, the tag found for it so far (only for topics with a <code>&#125;</code> and no hash tag). */
    private static final AtomicReferenceArray<String> SLOT_TAGS = new AtomicReferenceArray<>(SLOTS);

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            CRC_TABLE[i] = crc & 0xffff;
        }
    }

    private RedisKeys() {
    }

    /** CRC16 as Redis Cluster computes it (XMODEM: polynomial 0x1021, initial value 0, not reflected). */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    /** The key's cluster slot: CRC16 of its hash tag's content when it has a non-empty one, else of the key. */
    static int slot(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int open = indexOf(bytes, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(bytes, (byte) '}', open + 1);
            if (close > open + 1) {
                return crc16(bytes, open + 1, close) & (SLOTS - 1);
            }
        }
        return crc16(bytes, 0, bytes.length) & (SLOTS - 1);
    }

    /** The topic's meta hash: {@code pushline:{TAG}:T:m}. */
    static String meta(String topic) {
        return "pushline:{" + tag(topic) + "}:" + topic + ":m";
    }

    /** The topic's stream: {@code pushline:{TAG}:T:s}. */
    static String stream(String topic) {
        return "pushline:{" + tag(topic) + "}:" + topic + ":s";
    }

    /** Both keys, meta first, as the scripts take them. */
    static String[] keys(String topic) {
        String prefix = "pushline:{" + tag(topic) + "}:" + topic;
        return new String[] {prefix + ":m", prefix + ":s"};
    }

    /** A string without <code>&#125;</code> whose slot is the topic's (see the class comment). */
    static String tag(String topic) {
        int open = topic.indexOf('{');
        if (open >= 0) {
            int close = topic.indexOf('}', open + 1);
            if (close > open + 1) {
                return topic.substring(open + 1, close);
            }
        }
        if (topic.indexOf('}') < 0) {
            return topic;
        }
        return tagForSlot(slot(topic));
    }

    /** The first string over {@code [0-9a-z]}, shortest first, whose slot is {@code slot}; found once, cached. */
    static String tagForSlot(int slot) {
        String tag = SLOT_TAGS.get(slot);
        if (tag != null) {
            return tag;
        }
        for (int length = 1; ; length++) {
            byte[] candidate = new byte[length];
            int[] digits = new int[length];
            long combinations = (long) Math.pow(TAG_CHARS.length, length);
            for (long n = 0; n < combinations; n++) {
                for (int i = 0; i < length; i++) {
                    candidate[i] = (byte) TAG_CHARS[digits[i]];
                }
                if ((crc16(candidate, 0, length) & (SLOTS - 1)) == slot) {
                    tag = new String(candidate, StandardCharsets.US_ASCII);
                    SLOT_TAGS.set(slot, tag);
                    return tag;
                }
                for (int i = length - 1; i >= 0 && ++digits[i] == TAG_CHARS.length; i--) {
                    digits[i] = 0; // odometer: the last character turns fastest
                }
            }
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
