package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pushline.Framing;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.internal.MessageAccess;
import io.pushline.netty.internal.Frames;
import io.pushline.netty.internal.Utf8;
import io.pushline.netty.internal.WebSocketFrames;
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
            f = frame(framing, read.messages(), true);
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
            f = frame(framing, read.messages(), false);
            framed = f; // a race frames twice, identically: harmless
        }
        return f;
    }

    /**
     * Frames every message the framing can carry, as TCP frames or WebSocket ones, back to back in one heap array
     * (no buffer per message); a message live fan-out would skip (too long, or a line break on line framing) is
     * skipped here too, so its position is missing from what the client sees, as live.
     */
    private static Framed frame(Framing framing, List<Message> messages, boolean webSocket) {
        boolean lines = framing.kind() == Framing.Kind.LINES;
        byte[][] headers = new byte[messages.size()][];
        int[] starts = new int[messages.size() + 1];
        int length = 0;
        for (int i = 0; i < messages.size(); i++) {
            starts[i] = length;
            Message m = messages.get(i);
            byte[] header = Frames.commandsHeader(m);
            int body = header.length + m.payloadLength();
            if (framing.canFrame(m) && body <= framing.maxFrameLength()) {
                headers[i] = header;
                length += webSocket ? WebSocketFrames.frameHeaderLength(body) + body : body + (lines ? 2 : 4);
            }
        }
        starts[messages.size()] = length;
        ByteBuf out = Unpooled.wrappedBuffer(new byte[length]).clear();
        for (int i = 0; i < messages.size(); i++) {
            if (headers[i] == null) {
                continue;
            }
            byte[] payload = MessageAccess.payloadArray(messages.get(i));
            int body = headers[i].length + payload.length;
            if (webSocket) {
                WebSocketFrames.writeFrameHeader(out, Utf8.isValid(payload, 0, payload.length), body);
            } else if (!lines) {
                out.writeInt(body);
            }
            out.writeBytes(headers[i]).writeBytes(payload);
            if (!webSocket && lines) {
                out.writeByte('\r').writeByte('\n');
            }
        }
        return new Framed(out.array(), starts);
    }

    private record Framed(byte[] bytes, int[] starts) {
    }
}
