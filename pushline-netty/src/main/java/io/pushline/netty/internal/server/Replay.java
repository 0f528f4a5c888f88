package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pushline.Framing;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.WebSocketFrames;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One history read, shared by every client that waited for it, with its messages framed once (lazily, as
 * {@code commands} pushes in the server's framing) so that each client writes a slice of the same bytes. The frames
 * are a heap array: nothing to release, whoever uses them last. Thread-safe.
 */
final class Replay {
    final HistoryRead read;
    /** Frames of every message, back to back, and where each starts (one more entry: the end). */
    private volatile Framed framed;
    /** The same as WebSocket frames. */
    private volatile Framed webSocketFramed;

    Replay(HistoryRead read) {
        this.read = read;
    }

    /** The messages from index {@code from} to {@code to} (exclusive), framed, as one buffer to write. */
    ByteBuf frames(Framing framing, int from, int to) {
        Framed f = framed(framing);
        return Unpooled.wrappedBuffer(f.bytes, f.starts[from], f.starts[to] - f.starts[from]);
    }

    /** The same as {@link #frames}, as WebSocket frames (skipping what {@code framing} cannot carry, as live does). */
    ByteBuf webSocketFrames(Framing framing, int from, int to) {
        Framed f = webSocketFramed;
        if (f == null) {
            f = frameWebSocket(framing, read.messages());
            webSocketFramed = f; // a race frames twice, identically: harmless
        }
        return Unpooled.wrappedBuffer(f.bytes, f.starts[from], f.starts[to] - f.starts[from]);
    }

    /**
     * How many of the messages from index {@code from} to the end the framing can carry: what a client is told it
     * will get ({@code RECOVERED n}). A message live fan-out would skip (too long, or a line break on line framing)
     * is skipped here too.
     */
    int sendable(Framing framing, int from) {
        Framed f = framed(framing);
        int n = 0;
        for (int i = from; i < read.messages().size(); i++) {
            if (f.starts[i + 1] > f.starts[i]) {
                n++;
            }
        }
        return n;
    }

    /** Payload bytes of the messages from index {@code from} to the end. */
    long payloadBytes(int from) {
        long n = 0;
        List<Message> messages = read.messages();
        for (int i = from; i < messages.size(); i++) {
            n += messages.get(i).payloadLength();
        }
        return n;
    }

    private Framed framed(Framing framing) {
        Framed f = framed;
        if (f == null) {
            f = frame(framing, read.messages());
            framed = f; // a race frames twice, identically: harmless
        }
        return f;
    }

    private static Framed frame(Framing framing, List<Message> messages) {
        boolean lines = framing.kind() == Framing.Kind.LINES;
        byte[][] headers = new byte[messages.size()][];
        int[] starts = new int[messages.size() + 1];
        int length = 0;
        for (int i = 0; i < messages.size(); i++) {
            starts[i] = length;
            Message m = messages.get(i);
            byte[] header = Frames.commandsHeader(m);
            if (framing.canFrame(m) && header.length + m.payloadLength() <= framing.maxFrameLength()) {
                headers[i] = header;
                length += header.length + m.payloadLength() + (lines ? 2 : 4);
            } // else skipped, as live fan-out skips it: its position is missing from what the client sees
        }
        starts[messages.size()] = length;
        ByteBuffer out = ByteBuffer.allocate(length);
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (headers[i] == null) {
                continue;
            }
            if (!lines) {
                out.putInt(headers[i].length + m.payloadLength());
            }
            out.put(headers[i]).put(m.payloadBuffer());
            if (lines) {
                out.put((byte) '\r').put((byte) '\n');
            }
        }
        return new Framed(out.array(), starts);
    }

    private static Framed frameWebSocket(Framing framing, List<Message> messages) {
        ByteBuf[] frames = new ByteBuf[messages.size()];
        int[] starts = new int[messages.size() + 1];
        int length = 0;
        for (int i = 0; i < messages.size(); i++) {
            starts[i] = length;
            Message m = messages.get(i);
            byte[] header = Frames.commandsHeader(m);
            if (framing.canFrame(m) && header.length + m.payloadLength() <= framing.maxFrameLength()) {
                frames[i] = WebSocketFrames.push(UnpooledByteBufAllocator.DEFAULT, header, m);
                length += frames[i].readableBytes();
            }
        }
        starts[messages.size()] = length;
        byte[] out = new byte[length];
        for (int i = 0; i < frames.length; i++) {
            if (frames[i] != null) {
                frames[i].readBytes(out, starts[i], frames[i].readableBytes());
                frames[i].release();
            }
        }
        return new Framed(out, starts);
    }

    private record Framed(byte[] bytes, int[] starts) {
    }
}
