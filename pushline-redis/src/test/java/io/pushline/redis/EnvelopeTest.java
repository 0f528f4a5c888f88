package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pushline.Message;
import io.pushline.Position;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading the history envelope off a Pub/Sub payload. */
class EnvelopeTest {
    @Test
    void anEnvelopeOnATopicWithHistoryGivesThePositionAndThePayload() {
        Message m = read("h.a", envelope("42.Xk3v9QaZ", bytes("hello world")), true);
        assertThat(m.position()).isEqualTo(Position.of(42, "Xk3v9QaZ"));
        assertThat(m.id()).isEqualTo("42.Xk3v9QaZ");
        assertThat(m.payload()).isEqualTo(bytes("hello world"));
        assertThat(read("h.a", envelope("1.e", new byte[0]), true).payload()).isEmpty();
    }

    @Test
    void anEnvelopeOnATopicWithoutHistoryIsStrippedWithoutPosition() {
        Message m = read("p.a", envelope("42.Xk3v9QaZ", bytes("hello")), false);
        assertThat(m.position()).isNull();
        assertThat(m.id()).isNull();
        assertThat(m.payload()).isEqualTo(bytes("hello"));
    }

    @Test
    void plainAndMalformedPayloadsAreDeliveredUnchanged() {
        String tooLongEpoch = "e".repeat(Position.MAX_EPOCH_LENGTH + 1);
        byte[][] unchanged = {
            bytes("plain"), new byte[0], new byte[] {0}, bytes("\0PL1"), bytes("\0PL1 "), bytes("\0PL1 42.abc"),
            bytes("\0PL1 42.abc"), bytes("\0PL1  x"), bytes("\0PL1 x.abc y"), bytes("\0PL1 42. y"),
            bytes("\0PL1 .abc y"), bytes("\0PL1 42.ab!c y"), bytes("\0PL1 42.abc.d y"), bytes("\0PL2 42.abc y"),
            bytes("\0PL1 1." + tooLongEpoch + " y"), bytes("\0PL1 99999999999999999999.abc y"),
            bytes("\0PL1 4\u00e9.abc y"), bytes(" \0PL1 42.abc y")};
        for (byte[] payload : unchanged) {
            Message m = read("h.a", payload, true);
            assertThat(m.position()).as(new String(payload, StandardCharsets.UTF_8)).isNull();
            assertThat(m.payload()).isEqualTo(payload);
        }
    }

    @Test
    void onlyTheEnvelopesOwnBytesAreRead() {
        byte[] inner = envelope("7.abc", bytes("x"));
        Message m = read("h.a", envelope("8.abc", inner), true);
        assertThat(m.position()).isEqualTo(Position.of(8, "abc"));
        assertThat(m.payload()).isEqualTo(inner);
        // the value sits inside a larger buffer, as in a RESP frame
        ByteBuf in = Unpooled.wrappedBuffer(bytes("$$$"), envelope("9.abc", bytes("yz")), bytes("\r\n"));
        try {
            Message framed = Envelope.read("h.a", in, 3, in.readableBytes() - 5, t -> true);
            assertThat(framed.position()).isEqualTo(Position.of(9, "abc"));
            assertThat(framed.payload()).isEqualTo(bytes("yz"));
        } finally {
            in.release();
        }
    }

    private static Message read(String topic, byte[] payload, boolean history) {
        ByteBuf in = Unpooled.wrappedBuffer(payload);
        try {
            return Envelope.read(topic, in, 0, payload.length, t -> history);
        } finally {
            in.release();
        }
    }

    static byte[] envelope(String token, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Envelope.MARKER);
        out.writeBytes(token.getBytes(StandardCharsets.US_ASCII));
        out.write(' ');
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
