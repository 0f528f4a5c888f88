package io.pushline.netty.internal;

import io.netty.buffer.ByteBuf;
import java.time.Duration;

/**
 * Line framing: a frame ends at LF, and a CR right before it is part of the delimiter. A frame may hold up to the
 * maximum length in bytes, delimiter excluded, however the bytes are split into reads (a line of exactly the maximum
 * length whose CR and LF arrive separately is a legal frame).
 */
final class LineFrameDecoder extends FrameDecoder {
    /** How far the buffered partial line has been searched for LF already, so that it is not searched again. */
    private int scanned;

    LineFrameDecoder(int maxFrameLength, boolean skipEmpty, Duration frameTimeout) {
        super(maxFrameLength, skipEmpty, frameTimeout);
    }

    @Override
    ByteBuf next(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start + scanned, end, (byte) '\n');
        if (lf < 0) {
            int buffered = end - start;
            // the maximum length, plus a CR whose LF has not arrived yet
            if (buffered > maxFrameLength + 1
                    || buffered == maxFrameLength + 1 && in.getByte(end - 1) != '\r') {
                throw tooLong(buffered, maxFrameLength);
            }
            scanned = buffered;
            return null;
        }
        scanned = 0;
        int frameEnd = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        int length = frameEnd - start;
        if (length > maxFrameLength) {
            throw tooLong(length, maxFrameLength);
        }
        ByteBuf frame = in.retainedSlice(start, length);
        in.readerIndex(lf + 1);
        return frame;
    }
}
