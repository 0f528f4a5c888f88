package io.pushline.netty.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.PushlineException;
import java.nio.charset.StandardCharsets;

/**
 * The client side of the {@code commands} protocol's pushes: recognises and parses {@code MSG} frames. (Frames are
 * encoded by {@link io.pushline.netty.internal.Frames}, as on the server.) Stateless.
 */
final class Pushes {
    private static final int PUSH_PREFIX_LENGTH = 4; // "MSG "
    private static final String NO_ID = "-";
    private static final int MAX_QUOTED = 120;

    private Pushes() {
    }

    /** Shortens text for a log line or an exception message. */
    static String abbreviate(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
    }

    /** Whether a frame of the {@code commands} protocol is a push: it starts with {@code "MSG "}. */
    static boolean isPush(ByteBuf frame) {
        int i = frame.readerIndex();
        return frame.readableBytes() >= PUSH_PREFIX_LENGTH
                && frame.getByte(i) == 'M' && frame.getByte(i + 1) == 'S' && frame.getByte(i + 2) == 'G'
                && frame.getByte(i + 3) == ' ';
    }

    /**
     * Parses {@code MSG <topic> <id> <payload>}: the payload is everything after the third space (it may hold
     * spaces or any byte, and may be empty); an id of {@code -} means none. Only the topic, the id and the payload
     * are copied out of the frame; the frame's reader index is not changed. An id that is a position's wire token
     * ({@code <offset>.<epoch>}) gives the message its {@link Message#position() position}.
     *
     * @throws PushlineException when the frame is not a well-formed push
     */
    static Message parsePush(ByteBuf frame) {
        int end = frame.writerIndex();
        int topicStart = frame.readerIndex() + PUSH_PREFIX_LENGTH;
        int topicEnd = frame.indexOf(topicStart, end, (byte) ' ');
        if (topicEnd < 0) {
            throw new PushlineException("malformed push: no id after the topic");
        }
        int idStart = topicEnd + 1;
        int space = frame.indexOf(idStart, end, (byte) ' ');
        int idEnd = space < 0 ? end : space;
        if (idEnd == idStart) {
            throw new PushlineException("malformed push: empty id");
        }
        String topic = frame.toString(topicStart, topicEnd - topicStart, StandardCharsets.UTF_8);
        String id = frame.toString(idStart, idEnd - idStart, StandardCharsets.UTF_8);
        byte[] payload = space < 0 ? new byte[0] : ByteBufUtil.getBytes(frame, space + 1, end - space - 1);
        try {
            if (NO_ID.equals(id)) {
                return Message.wrap(topic, payload);
            }
            Position position = Position.parse(id).orElse(null);
            return position != null ? Message.wrap(topic, payload, position) : Message.wrap(topic, payload, id);
        } catch (IllegalArgumentException e) {
            throw new PushlineException("malformed push: " + e.getMessage(), e);
        }
    }
}
