package io.pushline.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.internal.Bytes;
import io.pushline.internal.MessageAccess;
import java.nio.charset.StandardCharsets;

/** Encodes one payload into one complete frame of a connection's framing. Stateless. */
final class Frames {
    private static final short CRLF = ('\r' << 8) | '\n';

    private Frames() {
    }

    /**
     * Frames a push in {@code commands} form, {@code MSG <topic> <id> <payload>}, with the header from
     * {@link #commandsHeader(Message)}; the caller owns the buffer.
     */
    static ByteBuf commandsPush(ByteBufAllocator alloc, Framing framing, byte[] header, Message message) {
        int length = header.length + message.payloadLength();
        boolean lines = framing.kind() == Framing.Kind.LINES;
        ByteBuf buf = alloc.directBuffer(length + (lines ? 2 : 4));
        if (!lines) {
            buf.writeInt(length);
        }
        buf.writeBytes(header);
        buf.writeBytes(MessageAccess.payloadArray(message));
        if (lines) {
            buf.writeShort(CRLF);
        }
        return buf;
    }

    /** The bytes before the payload in a {@code commands} push: {@code "MSG <topic> <id> "}. */
    static byte[] commandsHeader(Message message) {
        return ("MSG " + message.topic() + " " + (message.id() == null ? "-" : message.id()) + " ")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Frames a payload array (the fast path: one bulk copy); the caller owns the returned buffer. */
    static ByteBuf frame(ByteBufAllocator alloc, Framing framing, byte[] payload) {
        int length = payload.length;
        ByteBuf buf;
        if (framing.kind() == Framing.Kind.LINES) {
            buf = alloc.directBuffer(length + 2);
            buf.writeBytes(payload);
            buf.writeShort(CRLF);
        } else {
            buf = alloc.directBuffer(length + 4);
            buf.writeInt(length);
            buf.writeBytes(payload);
        }
        return buf;
    }

    static ByteBuf frame(ByteBufAllocator alloc, Framing framing, String text) {
        return frame(alloc, framing, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether line framing can carry these bytes (no CR or LF); always true for length-prefixed framing. */
    static boolean canFrame(Framing framing, byte[] payload) {
        return framing.kind() != Framing.Kind.LINES || !containsLineBreak(payload);
    }

    /** Whether the bytes contain CR or LF, which line framing cannot carry. */
    static boolean containsLineBreak(byte[] bytes) {
        return Bytes.containsLineBreak(bytes);
    }

    /**
     * Makes a new inbound frame decoder for a client: the delimiter or length prefix is stripped, empty frames are
     * kept, and a frame longer than the limit fails fast with a {@code TooLongFrameException}, without being
     * buffered.
     */
    static ChannelHandler decoder(Framing framing) {
        return FrameDecoder.of(framing, false, null);
    }
}
