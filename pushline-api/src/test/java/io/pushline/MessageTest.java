package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class MessageTest {
    @Test
    void copiesThePayloadInAndOut() {
        byte[] payload = {1, 2, 3};
        Message m = Message.of("t", payload);
        payload[0] = 9;
        assertThat(m.payload()).containsExactly(1, 2, 3);
        m.payload()[1] = 9;
        assertThat(m.payload()).containsExactly(1, 2, 3);
    }

    @Test
    void payloadBufferIsAReadOnlyViewWithoutCopy() {
        Message m = Message.of("t", new byte[] {1, 2, 3});
        ByteBuffer view = m.payloadBuffer();
        assertThat(view.remaining()).isEqualTo(3);
        assertThat(view.isReadOnly()).isTrue();
        assertThatThrownBy(() -> view.put(0, (byte) 7)).isInstanceOf(ReadOnlyBufferException.class);
        assertThat(m.payloadLength()).isEqualTo(3);
        assertThat(m.payloadContains((byte) 2)).isTrue();
        assertThat(m.payloadContains((byte) 4)).isFalse();
    }

    @Test
    void idIsOptionalAndValidated() {
        assertThat(Message.of("t", "x").id()).isNull();
        assertThat(Message.of("t", new byte[0], "1-0").id()).isEqualTo("1-0");
        assertThatThrownBy(() -> Message.of("t", new byte[0], "a b")).hasMessage("id: 'a b' (id contains a space)");
        assertThatThrownBy(() -> Message.of("bad topic", "x")).hasMessageContaining("topic contains a space");
    }

    @Test
    void valueSemanticsAndAToStringWithoutThePayload() {
        assertThat(Message.of("t", "secret")).isEqualTo(Message.of("t", "secret"))
                .hasSameHashCodeAs(Message.of("t", "secret")).isNotEqualTo(Message.of("t", "other"));
        assertThat(Message.of("t", "secret").toString()).doesNotContain("secret").contains("6 bytes");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1L, 2L, 3L, 42L, 20261125L})
    void lineBreakScanFindsCrOrLfAtEveryOffsetAndNothingElse(long seed) {
        java.util.Random random = new java.util.Random(seed);
        for (int length = 0; length <= 40; length++) {
            byte[] clean = new byte[length];
            for (int i = 0; i < length; i++) {
                byte b;
                do {
                    b = (byte) random.nextInt(256);
                } while (b == '\r' || b == '\n');
                clean[i] = b;
            }
            assertThat(Message.of("t", clean).payloadHasLineBreak()).as("length %d without CR/LF", length).isFalse();
            for (int at = 0; at < length; at++) {
                byte[] dirty = clean.clone();
                dirty[at] = random.nextBoolean() ? (byte) '\r' : (byte) '\n';
                assertThat(Message.of("t", dirty).payloadHasLineBreak()).as("length %d, break at %d", length, at)
                        .isTrue();
            }
        }
    }
}
