package io.pushline.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.pushline.Message;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shared WebSocket encoding, read back by Netty's own decoder (as a client reads it), and the UTF-8 rule. */
class WebSocketFramesTest {
    private static WebSocketFrame decode(ByteBuf frame) {
        // a client's decoder: server frames are unmasked
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
        ch.writeInbound(frame);
        WebSocketFrame f = ch.readInbound();
        assertThat(ch.finishAndReleaseAll()).isFalse();
        return f;
    }

    @Test
    void pushesOfEverySizeClassDecodeToTheSameBytes() {
        for (int length : new int[] {0, 1, 125 - 10, 200, 65_535 - 10, 65_536, 100_000}) {
            byte[] payload = "p".repeat(length).getBytes(StandardCharsets.US_ASCII);
            Message m = Message.wrap("t", payload, (String) null);
            byte[] header = Frames.commandsHeader(m);
            WebSocketFrame f = decode(WebSocketFrames.push(UnpooledByteBufAllocator.DEFAULT, header, m));
            try {
                assertThat(f).isInstanceOf(TextWebSocketFrame.class);
                assertThat(f.isFinalFragment()).isTrue();
                assertThat(f.content().toString(StandardCharsets.US_ASCII)).isEqualTo("MSG t - " + "p".repeat(length));
            } finally {
                f.release();
            }
        }
    }

    @Test
    void payloadsThatAreNotUtf8AreBinaryAndRawPushesHaveNoHeader() {
        byte[] payload = {'a', (byte) 0xc3, '(', 0};
        WebSocketFrame f = decode(WebSocketFrames.push(UnpooledByteBufAllocator.DEFAULT, null,
                Message.wrap("t", payload, (String) null)));
        try {
            assertThat(f).isInstanceOf(BinaryWebSocketFrame.class);
            byte[] read = new byte[f.content().readableBytes()];
            f.content().readBytes(read);
            assertThat(read).isEqualTo(payload);
        } finally {
            f.release();
        }
    }

    @Test
    void theUtf8RuleAgreesWithTheJdkDecoderOnEdgeCasesAndRandomBytes() {
        byte[][] cases = {
            {}, {'a'}, {(byte) 0xc2, (byte) 0x80}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xc1, (byte) 0xbf},
            {(byte) 0xe0, (byte) 0x9f, (byte) 0xbf}, {(byte) 0xe0, (byte) 0xa0, (byte) 0x80},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xed, (byte) 0x9f, (byte) 0xbf},
            {(byte) 0xf0, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf}, {(byte) 0xf0, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xf4, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0x80},
            "caf\u00e9 \ud83d\ude00".getBytes(StandardCharsets.UTF_8),
        };
        for (byte[] c : cases) {
            assertThat(Utf8.isValid(c, 0, c.length)).as(java.util.Arrays.toString(c)).isEqualTo(jdkValid(c));
        }
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(12)];
            for (int k = 0; k < b.length; k++) {
                // mostly high bytes, where the rules are
                b[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(128) : 0x80 + random.nextInt(128));
            }
            assertThat(Utf8.isValid(b, 0, b.length)).as(java.util.Arrays.toString(b)).isEqualTo(jdkValid(b));
        }
    }

    private static boolean jdkValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
