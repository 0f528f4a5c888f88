package io.pushline.netty.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.ClientRegistry;
import io.pushline.DropReason;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out path on embedded channels, where the test decides when the event loop runs: a burst queued while
 * the loop was busy reaches each client as one joined write, in order, byte for byte what single writes would
 * have been; and the slow-consumer policy treats a joined run like its messages one by one.
 */
class OutboxTest {
    private final InMemoryMessageSource source = InMemoryMessageSource.create();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private FanOut fanOut;
    private ServerMetrics metrics;
    private ClientRegistry<NettyClient> registry;
    private ServerContext context;

    private void setUp(SlowConsumerPolicy policy, Protocol protocol) {
        ServerConfig config = TestConfigs.config(source, protocol, io.pushline.Framing.lines(), policy);
        channels.add(new EmbeddedChannel());
        context = ServerContext.wire(config, List.of(channels.get(0).eventLoop()), new ConnectionLimits(100, 100));
        metrics = context.metrics();
        registry = context.registry();
        fanOut = context.fanOut();
    }

    private NettyClient client(String topic) {
        EmbeddedChannel ch = channels.size() == 1 && registry.size() == 0 ? channels.get(0) : new EmbeddedChannel();
        if (!channels.contains(ch)) {
            channels.add(ch);
        }
        NettyClient c = new NettyClient(Integer.toString(registry.size()), ch, 0, context);
        registry.add(c);
        registry.subscribe(c, topic);
        return c;
    }

    @AfterEach
    void tearDown() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        source.close();
    }

    /** Runs the (shared) embedded event loop: the outbox task drains everything queued. */
    private void runLoop() {
        channels.get(0).runPendingTasks();
    }

    /** What {@code client}'s embedded channel wrote, one string per write (the buffers released). */
    static List<String> writes(NettyClient client) {
        List<String> writes = new ArrayList<>();
        ByteBuf b;
        while ((b = ((EmbeddedChannel) client.channel()).readOutbound()) != null) {
            writes.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return writes;
    }

    private void publish(String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            fanOut.onMessage(Message.of(topic, "m" + i));
        }
    }

    @Test
    void aBurstReachesEachClientAsOneWriteInOrder() {
        setUp(SlowConsumerPolicy.DISCONNECT, Protocol.RAW);
        NettyClient a = client("news");
        NettyClient b = client("news");
        publish("news", 0, 50);
        runLoop();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            expected.append("m").append(i).append("\r\n");
        }
        assertThat(writes(a)).containsExactly(expected.toString());
        assertThat(writes(b)).containsExactly(expected.toString());
        assertThat(metrics.messagesDelivered.sum()).isEqualTo(100);
        assertThat(metrics.bytesDelivered.sum()).isEqualTo(2L * expected.length());
    }

    @Test
    void aSingleMessageIsWrittenAsItIsAndRunsBreakWhereTheSubscribersDiffer() {
        setUp(SlowConsumerPolicy.DISCONNECT, Protocol.COMMANDS);
        NettyClient news = client("news");
        NettyClient sport = client("sport");
        fanOut.onMessage(Message.of("news", "alone"));
        runLoop();
        assertThat(writes(news)).containsExactly("MSG news - alone\r\n");

        publish("news", 0, 2);
        publish("sport", 2, 3);
        publish("news", 3, 5);
        runLoop();
        assertThat(writes(news)).containsExactly("MSG news - m0\r\nMSG news - m1\r\n",
                "MSG news - m3\r\nMSG news - m4\r\n");
        assertThat(writes(sport)).containsExactly("MSG sport - m2\r\n");
    }

    @Test
    void underDropAFullClientLosesTheWholeRunCountedPerMessageAndIsToldHowMany() {
        setUp(SlowConsumerPolicy.DROP, Protocol.COMMANDS);
        NettyClient full = client("news");
        NettyClient fine = client("news");
        EmbeddedChannel ch = (EmbeddedChannel) full.channel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        ch.write(Unpooled.copiedBuffer("queued and not flushed", StandardCharsets.UTF_8)); // now not writable
        assertThat(ch.isWritable()).isFalse();

        publish("news", 0, 30);
        runLoop();
        assertThat(writes(fine)).hasSize(1);
        assertThat(metrics.droppedCount(DropReason.SLOW_CONSUMER)).isEqualTo(30);
        assertThat(metrics.slowConsumers.sum()).isEqualTo(1);
        assertThat(ch.isActive()).isTrue();

        ch.flush(); // drained: the client hears how many it missed
        full.onWritable();
        assertThat(writes(full)).containsExactly("queued and not flushed", NettyClient.DROPPED_HINT + "30\r\n");
    }

    @Test
    void underDisconnectAFullClientIsClosedOnce() {
        setUp(SlowConsumerPolicy.DISCONNECT, Protocol.RAW);
        NettyClient full = client("news");
        client("news");
        EmbeddedChannel ch = (EmbeddedChannel) full.channel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        ch.write(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8));

        publish("news", 0, 30);
        runLoop();
        assertThat(ch.isActive()).isFalse();
        assertThat(metrics.slowConsumers.sum()).isEqualTo(1);
        assertThat(metrics.messagesDelivered.sum()).isEqualTo(30);
    }
}
