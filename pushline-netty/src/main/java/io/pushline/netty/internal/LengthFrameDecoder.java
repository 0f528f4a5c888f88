package io.pushline.netty.internal;

import io.netty.buffer.ByteBuf;
import java.time.Duration;

/** Length-prefixed framing: a 4-byte big-endian length, then that many bytes. */
final class LengthFrameDecoder extends FrameDecoder {
    LengthFrameDecoder(int maxFrameLength, boolean skipEmpty, Duration frameTimeout) {
        super(maxFrameLength, skipEmpty, frameTimeout);
    }

    @Override
    ByteBuf next(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int start = in.readerIndex();
        long length = in.getUnsignedInt(start); // unsigned: 0xffffffff is far too long, not negative
        if (length > maxFrameLength) {
            throw tooLong(length, maxFrameLength);
        }
        if (in.readableBytes() < 4 + length) {
            return null;
        }
        ByteBuf frame = in.retainedSlice(start + 4, (int) length);
        in.readerIndex(start + 4 + (int) length);
        return frame;
    }
}
