package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RespDecoder} on an {@link EmbeddedChannel}: every kind of value, split at every byte position (and byte by
 * byte), gives the same values as in one read.
 */
class RespDecoderTest {
    /** What the sink saw of one value, copied out of the reused view. */
    private record Seen(char type, String text, long count, List<String> elements, int size) {
    }

    private static final class Recorder implements RespDecoder.Sink {
        final List<Seen> seen = new ArrayList<>();

        @Override
        public void onValue(ChannelHandlerContext ctx, ByteBuf in, RespValue value) {
            List<String> elements = new ArrayList<>();
            for (int i = 0; i < RespValue.ELEMENTS; i++) {
                elements.add(value.element(in, i));
            }
            seen.add(new Seen((char) value.type, value.isArray() ? "" : value.text(in), value.count, elements,
                    value.size()));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A stream holding every kind of value a subscriber can meet. */
    private static byte[] stream(byte[] big) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes("+OK\r\n"));
        out.writeBytes(bytes("-ERR unknown command 'X'\r\n"));
        out.writeBytes(bytes(":42\r\n"));
        out.writeBytes(bytes("$5\r\nhello\r\n"));
        out.writeBytes(bytes("$-1\r\n"));
        out.writeBytes(bytes("$0\r\n\r\n"));
        out.writeBytes(bytes("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"));
        out.writeBytes(bytes("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$12\r\nhello\r\nworld\r\n")); // CRLF in a payload
        out.writeBytes(bytes("*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$7\r\nnews.é\r\n$0\r\n\r\n"));
        out.writeBytes(bytes("*2\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n$3\r\nabc\r\n")); // nested arrays
        out.writeBytes(bytes("*-1\r\n"));
        out.writeBytes(bytes(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n")); // a RESP3 push
        out.writeBytes(bytes("*3\r\n$7\r\nmessage\r\n$3\r\nbig\r\n$" + big.length + "\r\n"));
        out.writeBytes(big);
        out.writeBytes(bytes("\r\n"));
        return out.toByteArray();
    }

    private static List<Seen> decode(byte[] stream, int... splits) {
        Recorder recorder = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(recorder));
        int from = 0;
        for (int split : splits) {
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(stream, from, split)));
            from = split;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(stream, from, stream.length)));
        assertThat(ch.finish()).as("nothing passed on").isFalse();
        return recorder.seen;
    }

    @Test
    void decodesEveryKindOfValue() {
        byte[] big = new byte[1 << 20];
        Arrays.fill(big, (byte) 'b');
        List<Seen> seen = decode(stream(big));
        assertThat(seen).hasSize(13);
        assertThat(seen.get(0)).isEqualTo(new Seen('+', "OK", -1, nulls(), 5));
        assertThat(seen.get(1).type()).isEqualTo('-');
        assertThat(seen.get(1).text()).isEqualTo("ERR unknown command 'X'");
        assertThat(seen.get(2).text()).isEqualTo("42");
        assertThat(seen.get(3).text()).isEqualTo("hello");
        assertThat(seen.get(4).type()).isEqualTo('$');
        assertThat(seen.get(5).text()).isEmpty();
        assertThat(seen.get(6).elements()).containsExactly("subscribe", "news", null, null);
        assertThat(seen.get(7).elements()).containsExactly("message", "news", "hello\r\nworld", null);
        assertThat(seen.get(8).elements()).containsExactly("pmessage", "news.*", "news.é", "");
        assertThat(seen.get(9).count()).isEqualTo(2);
        assertThat(seen.get(9).elements()).containsExactly(null, "abc", null, null);
        assertThat(seen.get(10).count()).isEqualTo(-1);
        assertThat(seen.get(11).type()).isEqualTo('>');
        assertThat(seen.get(11).elements()).containsExactly("message", "c", "p", null);
        assertThat(seen.get(12).elements().get(2)).hasSize(1 << 20);
    }

    @Test
    void everySplitPositionGivesTheSameValues() {
        byte[] big = new byte[3_000];
        Arrays.fill(big, (byte) 'q');
        byte[] stream = stream(big);
        List<Seen> whole = decode(stream);
        for (int split = 1; split < stream.length; split++) {
            assertThat(decode(stream, split)).as("split at " + split).isEqualTo(whole);
        }
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decode(stream, everyByte)).as("byte by byte").isEqualTo(whole);
    }

    @Test
    void aMalformedLengthFailsTheChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(new Recorder()));
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(bytes("$12x\r\nabc\r\n"))))
                .isInstanceOf(CorruptedFrameException.class);
        ch.finishAndReleaseAll();
    }

    @Test
    void arraysNestedTooDeepFailTheChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(new Recorder()));
        String deep = "*1\r\n".repeat(RespDecoder.MAX_DEPTH + 1) + ":1\r\n";
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(bytes(deep))))
                .isInstanceOf(CorruptedFrameException.class);
        ch.finishAndReleaseAll();
    }

    private static List<String> nulls() {
        return Arrays.asList(null, null, null, null);
    }
}
