package io.pushline.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pushline.Message;
import io.pushline.internal.MessageAccess;

/**
 * Encodes server-to-client WebSocket frames (RFC 6455, unmasked, unfragmented) as bytes, once per message, so that
 * every WebSocket client writes a retained duplicate of the same buffer, as TCP clients do with their framing. A
 * frame is a text frame when its payload is valid UTF-8 and a binary frame otherwise. Stateless.
 */
public final class WebSocketFrames {
    private static final int FIN = 0x80;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;

    private WebSocketFrames() {
    }

    /**
     * Encodes a push: in {@code commands} form ({@code header} then the payload) or, with a null header, the
     * payload alone ({@code raw}).
     *
     * @param alloc the allocator
     * @param header the {@code commands} header from {@link Frames#commandsHeader(Message)}, or null
     * @param message the message
     * @return the frame; the caller owns it
     */
    public static ByteBuf push(ByteBufAllocator alloc, byte[] header, Message message) {
        byte[] payload = MessageAccess.payloadArray(message);
        int headerLength = header == null ? 0 : header.length;
        int length = headerLength + payload.length;
        // the header is UTF-8 (a topic and a position), so the payload decides
        boolean text = Utf8.isValid(payload, 0, payload.length);
        ByteBuf buf = alloc.directBuffer(frameHeaderLength(length) + length);
        writeFrameHeader(buf, text, length);
        if (header != null) {
            buf.writeBytes(header);
        }
        buf.writeBytes(payload);
        return buf;
    }

    /**
     * Encodes {@code payload} as one frame, as {@link #push} does.
     *
     * @param alloc the allocator
     * @param payload the bytes; not consumed
     * @return the frame; the caller owns it
     */
    public static ByteBuf frame(ByteBufAllocator alloc, byte[] payload) {
        boolean text = Utf8.isValid(payload, 0, payload.length);
        ByteBuf buf = alloc.buffer(frameHeaderLength(payload.length) + payload.length);
        writeFrameHeader(buf, text, payload.length);
        return buf.writeBytes(payload);
    }

    /**
     * The length of a frame's header for a payload of {@code length} bytes: 2, 4 or 10.
     *
     * @param length the payload length
     * @return the header length
     */
    public static int frameHeaderLength(int length) {
        return length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    }

    /**
     * Writes a final, unmasked frame's header.
     *
     * @param buf where to write
     * @param text a text frame, else binary
     * @param length the payload length
     */
    public static void writeFrameHeader(ByteBuf buf, boolean text, int length) {
        buf.writeByte(FIN | (text ? TEXT : BINARY));
        if (length < 126) {
            buf.writeByte(length);
        } else if (length <= 0xFFFF) {
            buf.writeByte(126);
            buf.writeShort(length);
        } else {
            buf.writeByte(127);
            buf.writeLong(length);
        }
    }
}
