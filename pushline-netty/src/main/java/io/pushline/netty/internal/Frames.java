package io.pushline.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.internal.Bytes;
import io.pushline.internal.MessageAccess;
import java.nio.charset.StandardCharsets;

/**
 * Encodes frames of a connection's {@link Framing}, for the server and the client alike: the one place that writes
 * a length prefix or a CRLF. Stateless.
 */
public final class Frames {
    private static final short CRLF = ('\r' << 8) | '\n';

    private Frames() {
    }

    /**
     * Frames a push in {@code commands} form, {@code MSG <topic> <id> <payload>}, with the header from
     * {@link #commandsHeader(Message)}.
     *
     * @param alloc the allocator
     * @param framing the connection's framing
     * @param header the header bytes
     * @param message the message
     * @return the frame; the caller owns it
     */
    public static ByteBuf commandsPush(ByteBufAllocator alloc, Framing framing, byte[] header, Message message) {
        ByteBuf buf = start(alloc, framing, header.length + message.payloadLength(), true);
        buf.writeBytes(header);
        buf.writeBytes(MessageAccess.payloadArray(message));
        return end(buf, framing);
    }

    /**
     * The bytes before the payload in a {@code commands} push: {@code "MSG <topic> <id> "}.
     *
     * @param message the message
     * @return the header
     */
    public static byte[] commandsHeader(Message message) {
        return ("MSG " + message.topic() + " " + (message.id() == null ? "-" : message.id()) + " ")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Frames a payload (one bulk copy).
     *
     * @param alloc the allocator
     * @param framing the connection's framing
     * @param payload the payload
     * @return the frame; the caller owns it
     */
    public static ByteBuf frame(ByteBufAllocator alloc, Framing framing, byte[] payload) {
        ByteBuf buf = start(alloc, framing, payload.length, true);
        buf.writeBytes(payload);
        return end(buf, framing);
    }

    /**
     * Frames text, encoded as UTF-8.
     *
     * @param alloc the allocator
     * @param framing the connection's framing
     * @param text the text
     * @return the frame; the caller owns it
     */
    public static ByteBuf frame(ByteBufAllocator alloc, Framing framing, String text) {
        return frame(alloc, framing, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The length of {@code verb arg1 arg2 ...} as a frame's payload.
     *
     * @param verb the verb, ASCII
     * @param args the arguments
     * @return the payload length
     */
    public static int commandLength(String verb, byte[]... args) {
        int length = verb.length();
        for (byte[] arg : args) {
            length += 1 + arg.length;
        }
        return length;
    }

    /**
     * Frames a command: the verb, then each argument after one space.
     *
     * @param alloc the allocator
     * @param framing the connection's framing
     * @param verb the verb, ASCII
     * @param args the arguments
     * @return the frame; the caller owns it
     */
    public static ByteBuf command(ByteBufAllocator alloc, Framing framing, String verb, byte[]... args) {
        ByteBuf buf = start(alloc, framing, commandLength(verb, args), false);
        ByteBufUtil.writeAscii(buf, verb);
        for (byte[] arg : args) {
            buf.writeByte(' ');
            buf.writeBytes(arg);
        }
        return end(buf, framing);
    }

    private static ByteBuf start(ByteBufAllocator alloc, Framing framing, int length, boolean direct) {
        boolean lines = framing.kind() == Framing.Kind.LINES;
        int capacity = length + (lines ? 2 : 4);
        ByteBuf buf = direct ? alloc.directBuffer(capacity) : alloc.buffer(capacity);
        if (!lines) {
            buf.writeInt(length);
        }
        return buf;
    }

    private static ByteBuf end(ByteBuf buf, Framing framing) {
        if (framing.kind() == Framing.Kind.LINES) {
            buf.writeShort(CRLF);
        }
        return buf;
    }

    /**
     * Tells whether a framing can carry these bytes: line framing cannot carry CR or LF; length-prefixed framing
     * carries anything.
     *
     * @param framing the framing
     * @param payload the bytes
     * @return whether they can be one frame's payload
     */
    public static boolean canFrame(Framing framing, byte[] payload) {
        return framing.kind() != Framing.Kind.LINES || !containsLineBreak(payload);
    }

    /**
     * Tells whether the bytes contain CR or LF.
     *
     * @param bytes the bytes
     * @return whether they do
     */
    public static boolean containsLineBreak(byte[] bytes) {
        return Bytes.containsLineBreak(bytes);
    }

    /**
     * Makes a new inbound frame decoder for a client: the delimiter or length prefix is stripped, empty frames are
     * kept, and a frame longer than the limit fails fast, without being buffered.
     *
     * @param framing the framing
     * @return a new decoder, for one channel
     */
    public static ChannelHandler decoder(Framing framing) {
        return FrameDecoder.of(framing, false, null);
    }
}
