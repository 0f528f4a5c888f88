package io.pushline.redis;

import io.netty.buffer.ByteBuf;
import io.pushline.Message;
import io.pushline.Position;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The envelope the history publish script wraps a payload in before {@code PUBLISH}, so that subscribers learn the
 * message's position: the 5 bytes {@code \0PL1 } (NUL, {@code PL1}, a space), the position's wire token
 * {@code <offset>.<epoch>}, one space, then the payload bytes unchanged. Reading it costs a few byte compares and
 * one copy of the payload (the only copy a plain message gets too). Stateless, thread-safe.
 */
final class Envelope {
    /** The bytes every envelope starts with. */
    static final byte[] MARKER = {0, 'P', 'L', '1', ' '};

    /** The longest position token: a 19-digit offset, the dot, the longest epoch. */
    private static final int MAX_TOKEN = 19 + 1 + Position.MAX_EPOCH_LENGTH;

    private Envelope() {
    }

    /**
     * The message a Pub/Sub payload carries: when it is an envelope, its payload, with the position when
     * {@code hasHistory} says the topic has history; otherwise (no marker, or a malformed envelope) the bytes
     * exactly as they came, without a position.
     *
     * @param topic a valid topic
     * @param in the buffer holding the payload
     * @param from where the payload starts in {@code in}
     * @param length the payload's length
     * @param hasHistory which topics keep the positions of their messages; asked only for envelopes
     * @return the message, owning a fresh array with the payload
     * @throws IllegalArgumentException when the topic is not valid
     */
    static Message read(String topic, ByteBuf in, int from, int length, Predicate<String> hasHistory) {
        int end = from + length;
        if (length >= MARKER.length && hasMarker(in, from)) {
            int token = from + MARKER.length;
            int space = in.indexOf(token, Math.min(end, token + MAX_TOKEN + 1), (byte) ' ');
            if (space > token) {
                Optional<Position> position = Position.parse(in.toString(token, space - token,
                        StandardCharsets.US_ASCII));
                if (position.isPresent()) {
                    byte[] payload = new byte[end - space - 1];
                    in.getBytes(space + 1, payload);
                    return hasHistory.test(topic) ? Message.wrap(topic, payload, position.get())
                            : Message.wrap(topic, payload);
                }
            }
        }
        byte[] payload = new byte[length];
        in.getBytes(from, payload);
        return Message.wrap(topic, payload);
    }

    private static boolean hasMarker(ByteBuf in, int from) {
        for (int i = 0; i < MARKER.length; i++) {
            if (in.getByte(from + i) != MARKER[i]) {
                return false;
            }
        }
        return true;
    }
}
