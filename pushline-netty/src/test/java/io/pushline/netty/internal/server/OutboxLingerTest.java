package io.pushline.netty.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.ClientRegistry;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When an outbox's next pass runs, on an embedded loop whose time only moves when the test says so, with a clock
 * under the test's control: a loop that keeps its queue empty writes each message at once; a pass during which
 * messages came makes the next one wait as long as that pass took (at most {@link Outbox#MAX_LINGER_NANOS}), so
 * that the late messages and those that follow go out in one write; a pass cut short by a full batch does not wait.
 */
class OutboxLingerTest {
    private static final long PASS_NANOS = TimeUnit.MICROSECONDS.toNanos(700);

    private final InMemoryMessageSource source = InMemoryMessageSource.create();
    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    private final EmbeddedChannel other = new EmbeddedChannel();
    private final List<NettyClient> clients = new ArrayList<>();
    private Outbox outbox;
    /** The test's clock: each reading moves it by {@link #step}. */
    private long now;
    private long step = PASS_NANOS;
    /** Runs (once) when a pass flushes the first client, after it took everything queued: messages that came late. */
    private Runnable duringPass;

    @BeforeEach
    void setUp() {
        ServerConfig config = TestConfigs.config(source, Protocol.RAW, Framing.lines(), SlowConsumerPolicy.DISCONNECT);
        ServerContext context = ServerContext.wire(config, List.of(loopChannel.eventLoop()),
                new ConnectionLimits(100, 100));
        ClientRegistry<NettyClient> registry = context.registry();
        for (EmbeddedChannel ch : List.of(loopChannel, other)) {
            NettyClient c = new NettyClient(Integer.toString(registry.size()), ch, 0, context);
            registry.add(c);
            registry.subscribe(c, "news");
            clients.add(c);
        }
        outbox = new Outbox("event loop 0", loopChannel.eventLoop(), PooledByteBufAllocator.DEFAULT, context.metrics(),
                PushListener.NONE, false, this::clock);
        loopChannel.freezeTime();
        loopChannel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                Runnable r = duringPass;
                duringPass = null;
                if (r != null) {
                    r.run();
                }
                ctx.flush();
            }
        });
    }

    @AfterEach
    void tearDown() {
        loopChannel.finishAndReleaseAll();
        other.finishAndReleaseAll();
        source.close();
    }

    /** A pass reads the clock when it starts and, when messages are queued, when it ends. */
    private long clock() {
        now += step;
        return now;
    }

    private void offer(int i) {
        Message m = Message.of("news", "m" + i);
        outbox.offer(Unpooled.copiedBuffer("m" + i + "\r\n", StandardCharsets.UTF_8), null, m, null, clients);
    }

    private void offer(int from, int to) {
        for (int i = from; i < to; i++) {
            offer(i);
        }
    }

    private void runLoop() {
        loopChannel.runPendingTasks();
    }

    private static String lines(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append('m').append(i).append("\r\n");
        }
        return s.toString();
    }

    @Test
    void aLoopThatKeepsUpWritesEachMessageAtOnce() {
        for (int i = 0; i < 5; i++) {
            offer(i);
            runLoop(); // the loop's time does not move: nothing may wait
            for (NettyClient c : clients) {
                assertThat(OutboxTest.writes(c)).containsExactly("m" + i + "\r\n");
            }
        }
    }

    @Test
    void messagesThatCameDuringAPassWaitAsLongAsItTookAndGoOutInOneWrite() {
        duringPass = () -> offer(1, 3);
        offer(0);
        runLoop();
        for (NettyClient c : clients) {
            assertThat(OutboxTest.writes(c)).containsExactly("m0\r\n");
        }
        offer(3); // the loop lingers: this joins the late ones
        loopChannel.advanceTimeBy(PASS_NANOS - 1, TimeUnit.NANOSECONDS);
        runLoop();
        for (NettyClient c : clients) {
            assertThat(OutboxTest.writes(c)).isEmpty();
        }
        loopChannel.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        runLoop();
        for (NettyClient c : clients) {
            assertThat(OutboxTest.writes(c)).containsExactly(lines(1, 4));
        }
        offer(4); // that pass ended with nothing queued: the next message goes out at once again
        runLoop();
        for (NettyClient c : clients) {
            assertThat(OutboxTest.writes(c)).containsExactly("m4\r\n");
        }
    }

    @Test
    void theWaitIsBoundedHoweverLongThePassTook() {
        step = 50 * Outbox.MAX_LINGER_NANOS;
        duringPass = () -> offer(1);
        offer(0);
        runLoop();
        assertThat(OutboxTest.writes(clients.get(0))).containsExactly("m0\r\n");
        loopChannel.advanceTimeBy(Outbox.MAX_LINGER_NANOS - 1, TimeUnit.NANOSECONDS);
        runLoop();
        assertThat(OutboxTest.writes(clients.get(0))).isEmpty();
        loopChannel.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        runLoop();
        assertThat(OutboxTest.writes(clients.get(0))).containsExactly("m1\r\n");
        assertThat(OutboxTest.writes(clients.get(1))).containsExactly("m0\r\n", "m1\r\n");
    }

    @Test
    void aPassCutShortByAFullBatchDoesNotWait() {
        int total = Outbox.MAX_BATCH + 10;
        offer(0, total);
        runLoop(); // no time passes on the loop: the rest must have run at once
        for (NettyClient c : clients) {
            assertThat(OutboxTest.writes(c)).containsExactly(lines(0, Outbox.MAX_BATCH), lines(Outbox.MAX_BATCH, total));
        }
    }
}
