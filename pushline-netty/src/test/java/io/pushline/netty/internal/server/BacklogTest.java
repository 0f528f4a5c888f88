package io.pushline.netty.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.ClientRegistry;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.ServerLimits;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbound limits with time, on an embedded channel whose "socket" the test stops and starts and whose clock
 * the test moves: a client briefly over the soft limit gets everything; one that stays over it for longer than the
 * soft duration is a slow consumer (disconnected, or its pushes dropped); one over the hard limit is one at once.
 */
class BacklogTest {
    private static final int SOFT = 4 * 1024;
    private static final int HARD = 32 * 1024;
    private static final Duration SOFT_DURATION = Duration.ofSeconds(10);
    private static final String PAYLOAD = "x".repeat(1000);

    private final InMemoryMessageSource source = InMemoryMessageSource.create();
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final Socket socket = new Socket();
    private final List<Throwable> failedWrites = new ArrayList<>();
    private ServerContext context;
    private NettyClient client;

    /** Stands for the socket: while the peer does not read, flushed writes stay in the outbound buffer. */
    private static final class Socket extends ChannelOutboundHandlerAdapter {
        boolean peerReads = true;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (peerReads) {
                ctx.flush();
            }
        }
    }

    private void setUp(SlowConsumerPolicy policy, Protocol protocol) {
        ServerLimits limits = ServerLimits.builder().maxQueuedBytes(HARD).softQueuedLimit(SOFT, SOFT_DURATION)
                .slowConsumerPolicy(policy).build();
        context = ServerContext.wire(TestConfigs.config(source, protocol, Framing.lines(), limits), List.of(
                ch.eventLoop()), new ConnectionLimits(100, 100));
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(limits.behindQueuedBytes() / 2,
                limits.behindQueuedBytes()));
        ch.pipeline().addFirst(socket);
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failedWrites.add(cause); // what a close fails: the writes still queued (the server logs them)
            }
        });
        ch.freezeTime();
        client = new NettyClient("1", ch, 0, context);
        ClientRegistry<NettyClient> registry = context.registry();
        registry.add(client);
        registry.subscribe(client, "news");
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        source.close();
    }

    /** Publishes {@code n} messages, each delivered by the event loop on its own (one write each). */
    private void publish(int from, int n) {
        for (int i = from; i < from + n; i++) {
            context.fanOut().onMessage(Message.of("news", i + " " + PAYLOAD));
            ch.runPendingTasks();
        }
    }

    /** The peer reads again: everything queued is written, and the channel is writable again. */
    private List<String> peerReads() {
        socket.peerReads = true;
        ch.flush();
        assertThat(ch.isWritable()).isTrue();
        client.onWritable(); // what the pipeline's writability event does in the server
        List<String> lines = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            for (String line : b.toString(StandardCharsets.UTF_8).split("\r\n")) {
                lines.add(line.length() > 20 ? line.substring(0, line.indexOf(' ')) : line);
            }
            b.release();
        }
        return lines;
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runPendingTasks();
    }

    @Test
    void aClientBrieflyBehindGetsEverythingAndOneThatStaysBehindIsCutAfterTheSoftDuration() {
        setUp(SlowConsumerPolicy.DISCONNECT, Protocol.RAW);
        socket.peerReads = false;
        publish(0, 10); // about 10 KiB: over the soft limit, under the hard one
        assertThat(ch.isWritable()).isFalse();
        advance(5);
        publish(10, 1);
        assertThat(ch.isActive()).isTrue();
        assertThat(peerReads()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");

        socket.peerReads = false;
        publish(11, 10); // behind again, from second 5: the first deadline (second 10) finds it behind since then
        advance(9);
        publish(21, 1);
        assertThat(ch.isActive()).isTrue();
        assertThat(context.metrics().slowConsumers.sum()).isZero();
        advance(1); // ten seconds behind, with nothing more queued: cut by the deadline alone
        assertThat(ch.isActive()).isFalse();
        assertThat(client.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(context.metrics().slowConsumers.sum()).isEqualTo(1);
        assertThat(failedWrites).isNotEmpty().allMatch(ClosedChannelException.class::isInstance);
    }

    @Test
    void aClientOverTheHardLimitIsCutAtOnce() {
        setUp(SlowConsumerPolicy.DISCONNECT, Protocol.RAW);
        socket.peerReads = false;
        publish(0, 40); // 40 KiB: past the hard limit, with no time passing
        assertThat(ch.isActive()).isFalse();
        assertThat(client.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(context.metrics().messagesDelivered.sum()).isBetween(30L, 33L);
        assertThat(failedWrites).isNotEmpty().allMatch(ClosedChannelException.class::isInstance);
    }

    @Test
    void underDropAClientBehindForTooLongLosesPushesUntilItCaughtUpAndIsToldHowMany() {
        setUp(SlowConsumerPolicy.DROP, Protocol.COMMANDS);
        socket.peerReads = false;
        publish(0, 10);
        advance(11); // no deadline under DROP: the next pushes find it behind for too long
        publish(10, 5);
        assertThat(ch.isActive()).isTrue();
        assertThat(context.metrics().droppedCount(DropReason.SLOW_CONSUMER)).isEqualTo(5);
        assertThat(context.metrics().slowConsumers.sum()).isEqualTo(1);

        List<String> read = peerReads();
        assertThat(read).hasSize(11).startsWith("MSG").endsWith(NettyClient.DROPPED_HINT + "5");
        publish(15, 1); // caught up: delivered again
        assertThat(peerReads()).containsExactly("MSG");
        assertThat(context.metrics().messagesDelivered.sum()).isEqualTo(11);
        assertThat(failedWrites).isEmpty();
    }
}
