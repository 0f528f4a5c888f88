package io.pushline.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits a RESP2 (and RESP3 push) stream into top-level values, without allocating: each complete value is handed
 * to a {@link Sink} as a {@link RespValue}, a reused view of offsets into the input buffer, valid during the call
 * only. A value split over several reads waits whole in the buffer until its last byte has arrived; a big bulk
 * string is found by its length, not scanned. Arrays may nest (up to {@value #MAX_DEPTH} deep); the view shows the
 * first {@value RespValue#ELEMENTS} elements of a top-level array, which is all a subscriber needs
 * ({@code message}, channel, payload; {@code pmessage}, pattern, channel, payload). A malformed length fails the
 * channel with a {@link CorruptedFrameException}. One instance per channel, on its event loop.
 */
final class RespDecoder extends ByteToMessageDecoder {
    /** How deep arrays may nest. */
    static final int MAX_DEPTH = 32;

    /** Receives the values, on the channel's event loop. */
    interface Sink {
        /**
         * One complete top-level value.
         *
         * @param ctx the decoder's context
         * @param in the buffer the value's offsets point into
         * @param value the value; reused for the next one, so copy what must outlive the call
         */
        void onValue(ChannelHandlerContext ctx, ByteBuf in, RespValue value);
    }

    private final Sink sink;
    private final RespValue value = new RespValue();
    private boolean failed;
    /** Where the last complete bulk string directly inside the top-level array began, and its content. */
    private int bulkAt;
    private int bulkStart;
    private int bulkLength;

    RespDecoder(Sink sink) {
        this.sink = sink;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes()); // after a malformed value nothing can be trusted: the channel closes
            return;
        }
        while (in.isReadable()) {
            int at = in.readerIndex();
            value.clear();
            int end;
            try {
                end = parse(in, at, 0);
            } catch (CorruptedFrameException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
            if (end < 0) {
                return; // incomplete: wait for more bytes
            }
            value.type = in.getByte(at);
            value.start = at;
            value.end = end;
            in.readerIndex(end);
            sink.onValue(ctx, in, value);
        }
    }

    /** The index after the value at {@code at}, or -1 while incomplete; fills {@link #value} for a top-level array. */
    private int parse(ByteBuf in, int at, int depth) {
        int eol = lineEnd(in, at);
        if (eol < 0) {
            return -1;
        }
        byte type = in.getByte(at);
        switch (type) {
            case '$': {
                long n = number(in, at + 1, eol);
                if (depth == 0) { // a top-level bulk string's text is its content
                    value.lineStart = eol + 2;
                    value.lineEnd = (int) Math.min(Integer.MAX_VALUE, eol + 2 + Math.max(n, 0));
                }
                int end = n < 0 ? eol + 2 : complete(in, eol + 2 + n + 2);
                if (depth == 1 && end >= 0) { // an element of the top-level array: located as it is parsed
                    bulkAt = at;
                    bulkStart = eol + 2;
                    bulkLength = (int) Math.max(n, -1);
                }
                return end;
            }
            case '*':
            case '>': {
                if (depth == MAX_DEPTH) {
                    throw new CorruptedFrameException("RESP arrays nested deeper than " + MAX_DEPTH);
                }
                long count = number(in, at + 1, eol);
                if (depth == 0) {
                    value.count = count;
                    value.lineStart = at + 1;
                    value.lineEnd = eol;
                }
                int pos = eol + 2;
                for (long i = 0; i < count; i++) {
                    if (pos >= in.writerIndex()) {
                        return -1;
                    }
                    bulkAt = -1;
                    int next = parse(in, pos, depth + 1);
                    if (next < 0) {
                        return -1;
                    }
                    if (depth == 0 && i < RespValue.ELEMENTS && bulkAt == pos) {
                        value.elementStart[(int) i] = bulkStart;
                        value.elementLength[(int) i] = bulkLength;
                    }
                    pos = next;
                }
                return pos;
            }
            default: // + - : _ # , and other one-line values
                if (depth == 0) {
                    value.lineStart = at + 1;
                    value.lineEnd = eol;
                }
                return eol + 2;
        }
    }

    private static int complete(ByteBuf in, long end) {
        if (end > Integer.MAX_VALUE) {
            throw new CorruptedFrameException("RESP bulk string too long: " + end);
        }
        return in.writerIndex() >= end ? (int) end : -1;
    }

    /** The index of the CR that ends the line starting at {@code from}, or -1 while the CRLF is incomplete. */
    private static int lineEnd(ByteBuf in, int from) {
        int cr = in.indexOf(from, in.writerIndex(), (byte) '\r');
        return cr < 0 || cr + 1 >= in.writerIndex() ? -1 : cr;
    }

    private static long number(ByteBuf in, int from, int to) {
        boolean negative = from < to && in.getByte(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to || to - i > 18) {
            throw new CorruptedFrameException("RESP length: '" + in.toString(from, to - from,
                    StandardCharsets.US_ASCII) + "'");
        }
        long v = 0;
        for (; i < to; i++) {
            int digit = in.getByte(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new CorruptedFrameException("RESP length: '" + in.toString(from, to - from,
                        StandardCharsets.US_ASCII) + "'");
            }
            v = v * 10 + digit;
        }
        return negative ? -v : v;
    }
}
