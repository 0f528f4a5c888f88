package io.pushline.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Framing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Splits inbound bytes into frames of a {@link Framing} (the delimiter or length prefix stripped) and keeps the
 * input bounded: a frame longer than the limit fails at once with a {@link TooLongFrameException}, without being
 * buffered; after that everything the peer sends is discarded. With a frame deadline, a frame that has started must
 * be complete within it, or a {@link FrameTimeoutException} is fired: a peer that trickles bytes without ever
 * completing a frame is as idle as one that sends nothing. One instance per channel, on its event loop.
 */
public abstract class FrameDecoder extends ByteToMessageDecoder {
    final int maxFrameLength;
    private final boolean skipEmpty;
    private final long deadlineNanos;
    private boolean failed;
    /** When the frame now partly buffered started; 0 while none is. */
    private long partialSince;
    private boolean emitted;
    private ScheduledFuture<?> timer;

    FrameDecoder(int maxFrameLength, boolean skipEmpty, Duration frameTimeout) {
        this.maxFrameLength = maxFrameLength;
        this.skipEmpty = skipEmpty;
        this.deadlineNanos = frameTimeout == null ? 0 : frameTimeout.toNanos();
    }

    /**
     * Makes the decoder of a framing.
     *
     * @param framing the framing
     * @param skipEmpty whether empty frames are dropped here (the server ignores them; a client may not)
     * @param frameTimeout how long one frame may take to arrive; null for no limit
     * @return a new decoder, for one channel
     */
    public static FrameDecoder of(Framing framing, boolean skipEmpty, Duration frameTimeout) {
        return framing.kind() == Framing.Kind.LINES
                ? new LineFrameDecoder(framing.maxFrameLength(), skipEmpty, frameTimeout)
                : new LengthFrameDecoder(framing.maxFrameLength(), skipEmpty, frameTimeout);
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            ByteBuf frame;
            try {
                frame = next(in);
            } catch (DecoderException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
            if (frame == null) {
                return;
            }
            emitted = true;
            if (skipEmpty && !frame.isReadable()) {
                frame.release();
            } else {
                out.add(frame);
            }
        }
    }

    /** The next complete frame (a retained slice), or null when more bytes are needed; throws when it is bad. */
    abstract ByteBuf next(ByteBuf in);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        emitted = false;
        super.channelRead(ctx, msg);
        if (deadlineNanos > 0 && !failed) {
            trackPartialFrame(ctx);
        }
    }

    private void trackPartialFrame(ChannelHandlerContext ctx) {
        if (!internalBuffer().isReadable()) {
            partialSince = 0;
            return;
        }
        if (partialSince == 0 || emitted) {
            partialSince = System.nanoTime(); // a new frame started in this read
        }
        if (timer == null) {
            schedule(ctx, deadlineNanos);
        }
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> checkDeadline(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkDeadline(ChannelHandlerContext ctx) {
        timer = null;
        if (partialSince == 0 || failed || !ctx.channel().isActive()) {
            return;
        }
        long left = partialSince + deadlineNanos - System.nanoTime();
        if (left > 0) {
            schedule(ctx, left);
            return;
        }
        failed = true;
        ctx.fireExceptionCaught(new FrameTimeoutException(Duration.ofNanos(deadlineNanos)));
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    static TooLongFrameException tooLong(long length, int max) {
        return new TooLongFrameException("frame length " + length + " exceeds " + max);
    }

    /** A frame did not arrive whole within the frame deadline. */
    public static final class FrameTimeoutException extends DecoderException {
        private static final long serialVersionUID = 1L;

        FrameTimeoutException(Duration deadline) {
            super("a frame did not complete within " + deadline);
        }
    }
}
