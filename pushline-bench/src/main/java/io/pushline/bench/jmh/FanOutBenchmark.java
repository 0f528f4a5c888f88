package io.pushline.bench.jmh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.Protocol;
import io.pushline.netty.internal.server.FanOutHarness;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fan-out of one message to K subscribed channels through the server's real path: {@code FanOut} frames it once
 * and queues it on the event loop's {@code Outbox}, whose task writes a retained duplicate to each channel and
 * flushes each once. The channels are {@link EmbeddedChannel}s whose outbound end releases what it is given, so
 * the figure is Pushline's own CPU cost per message (and, divided by K, per delivery) without the kernel.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class FanOutBenchmark {
    /** Subscribed channels. */
    @Param({"1", "100", "1000"})
    public int clients;

    /**
     * Messages published before the event loop runs: 1 is an idle loop (one write per client per message), more is
     * a loop that fell behind, where consecutive broadcasts are joined into one write per client.
     */
    @Param({"1", "16"})
    public int burst;

    /** Payload bytes. */
    @Param({"200"})
    public int size;

    private EmbeddedChannel[] channels;
    private FanOutHarness harness;
    private MessageListener fanOut;
    private Message message;

    /** Creates the benchmark state; JMH calls it. */
    public FanOutBenchmark() {
    }

    /** Builds K subscribed clients on one (embedded) event loop, and the server's fan-out in front of them. */
    @Setup(Level.Trial)
    public void setUp() {
        channels = new EmbeddedChannel[clients];
        for (int i = 0; i < clients; i++) {
            channels[i] = new EmbeddedChannel(new Discard());
        }
        harness = FanOutHarness.create(channels, Protocol.RAW, Framing.lines(), "bench");
        fanOut = harness.listener();
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        message = Message.of("bench", payload);
    }

    /** Closes the channels. */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        harness.close();
    }

    /**
     * {@code burst} messages to every client: frame each once, queue, write to the K channels, flush each once.
     * Divide the time by {@code burst} for the cost per message, and by {@code burst * clients} per delivery.
     *
     * @return how many channels there are
     */
    @Benchmark
    public int fanOut() {
        for (int i = 0; i < burst; i++) {
            fanOut.onMessage(message);
        }
        channels[0].runPendingTasks();
        return channels.length;
    }

    /** The wire: releases every write, as a socket that sent it would. */
    private static final class Discard extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) {
                promise.trySuccess();
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing buffered
        }
    }
}
