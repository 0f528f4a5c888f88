package io.pushline.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.internal.MessageAccess;
import io.pushline.netty.internal.Frames;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Framing one message, the work done once per message whatever the number of clients: a raw line or
 * length-prefixed frame, and a {@code commands} push ({@code MSG <topic> - <payload>}), into a pooled direct
 * buffer that is released again.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBenchmark {
    /** Payload size in bytes. */
    @Param({"200", "4096"})
    public int size;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Message message;
    private final Framing lines = Framing.lines();
    private final Framing prefixed = Framing.lengthPrefixed();

    /** Creates the benchmark state; JMH calls it. */
    public FramingBenchmark() {
    }

    /** Builds the message. */
    @Setup
    public void setUp() {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        message = Message.of("stock.ACME", payload);
    }

    /**
     * A raw CRLF line.
     *
     * @return the frame's length
     */
    @Benchmark
    public int rawLine() {
        ByteBuf frame = Frames.frame(alloc, lines, MessageAccess.payloadArray(message));
        int n = frame.readableBytes();
        frame.release();
        return n;
    }

    /**
     * A raw length-prefixed frame.
     *
     * @return the frame's length
     */
    @Benchmark
    public int rawLengthPrefixed() {
        ByteBuf frame = Frames.frame(alloc, prefixed, MessageAccess.payloadArray(message));
        int n = frame.readableBytes();
        frame.release();
        return n;
    }

    /**
     * A {@code commands} push line, header included.
     *
     * @return the frame's length
     */
    @Benchmark
    public int commandsPush() {
        ByteBuf frame = Frames.commandsPush(alloc, lines, Frames.commandsHeader(message), message);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }
}
