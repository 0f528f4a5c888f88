package io.pushline.netty.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.internal.FrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both framings on an {@link EmbeddedChannel}: split reads, echo, empty frames, oversized frames. */
class FrameDecodingTest {
    private final InMemoryMessageSource source = InMemoryMessageSource.create();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void closeAll() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        source.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private EmbeddedChannel channel(Framing framing) throws Exception {
        ServerConfig config = TestConfigs.config(source, Protocol.RAW, framing, SlowConsumerPolicy.DISCONNECT);
        // the context of a server with one event loop (its outbox never runs: nothing is published here)
        ServerContext ctx = ServerContext.wire(config, List.of(loop), new ConnectionLimits(1000, 1000));
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        NettyClient client = new NettyClient("1", ch, 0, ctx);
        ch.pipeline().addLast("frameDecoder", FrameDecoder.of(framing, true, config.frameTimeout()));
        ch.pipeline().addLast("protocol", new RawProtocolHandler(ctx, client));
        ch.register();
        channels.add(ch);
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String readOutbound(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        assertThat(out).as("an outbound frame").isNotNull();
        try {
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }

    @Test
    void linesAreReassembledAcrossSplitReads() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines());
        ch.writeInbound(ascii("hel"));
        assertThat(ch.outboundMessages()).isEmpty();
        ch.writeInbound(ascii("lo\r"));
        ch.writeInbound(ascii("\nwor"));
        ch.writeInbound(ascii("ld\n"));
        assertThat(readOutbound(ch)).isEqualTo("hello\r\n");
        assertThat(readOutbound(ch)).isEqualTo("world\r\n");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void manyLinesInOneReadAreSeparateFramesAndEmptyOnesAreIgnored() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines());
        ch.writeInbound(ascii("a\r\n\r\nb\n\nc\r\n"));
        assertThat(readOutbound(ch)).isEqualTo("a\r\n");
        assertThat(readOutbound(ch)).isEqualTo("b\r\n");
        assertThat(readOutbound(ch)).isEqualTo("c\r\n");
        assertThat(ch.outboundMessages()).isEmpty();
    }

    @Test
    void aLineOfExactlyTheLimitPasses() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines(8));
        ch.writeInbound(ascii("12345678\r\n"));
        assertThat(readOutbound(ch)).isEqualTo("12345678\r\n");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aLineOfExactlyTheLimitPassesWhenItsCrAndLfArriveInSeparateReads() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines(8));
        ch.writeInbound(ascii("12345678\r"));
        assertThat(ch.isActive()).isTrue();
        ch.writeInbound(ascii("\n"));
        assertThat(readOutbound(ch)).isEqualTo("12345678\r\n");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aCrPastTheLimitThatIsNotFollowedByLfIsTooLong() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines(8));
        ch.writeInbound(ascii("12345678\r"));
        ch.writeInbound(ascii("x\n"));
        assertThat(readOutbound(ch)).isEqualTo("-ERR frame too long\r\n");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void anOversizedLineGetsAnErrorAndTheConnectionCloses() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines(8));
        ch.writeInbound(ascii("12345"));
        ch.writeInbound(ascii("6789")); // past the limit before any delimiter: fail fast
        assertThat(readOutbound(ch)).isEqualTo("-ERR frame too long\r\n");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void anOversizedLineSplitOverManyReadsIsNotBuffered() throws Exception {
        EmbeddedChannel ch = channel(Framing.lines(1024));
        for (int i = 0; i < 4; i++) {
            ch.writeInbound(ascii("x".repeat(300)));
        }
        assertThat(readOutbound(ch)).isEqualTo("-ERR frame too long\r\n");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void lengthPrefixedFramesAreReassembledAcrossSplitReads() throws Exception {
        EmbeddedChannel ch = channel(Framing.lengthPrefixed());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0}));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 3, 'a'}));
        assertThat(ch.outboundMessages()).isEmpty();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'\n', '\r', 0, 0, 0, 1, 'z'}));
        assertThat(readOutbound(ch)).isEqualTo("\0\0\0\3a\n\r");
        assertThat(readOutbound(ch)).isEqualTo("\0\0\0\1z");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void anOversizedLengthPrefixGetsAFramedErrorAndTheConnectionCloses() throws Exception {
        EmbeddedChannel ch = channel(Framing.lengthPrefixed(16));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 17, 'x'}));
        String expected = "-ERR frame too long";
        assertThat(readOutbound(ch)).isEqualTo("\0\0\0" + (char) expected.length() + expected);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void aHugeLengthPrefixIsRejectedWithoutWaitingForTheBytes() throws Exception {
        EmbeddedChannel ch = channel(Framing.lengthPrefixed());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertThat(readOutbound(ch)).endsWith("-ERR frame too long");
        assertThat(ch.isActive()).isFalse();
    }
}
