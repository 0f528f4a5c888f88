package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FramingTest {
    @Test
    void defaultsAndLimits() {
        assertThat(Framing.lines().kind()).isEqualTo(Framing.Kind.LINES);
        assertThat(Framing.lines().maxFrameLength()).isEqualTo(64 * 1024);
        assertThat(Framing.lengthPrefixed(10).maxFrameLength()).isEqualTo(10);
        assertThat(Framing.lines().withMaxFrameLength(5)).isEqualTo(Framing.lines(5));
        assertThatThrownBy(() -> Framing.lengthPrefixed(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameLength: -1 (expected: 1..16777216)");
    }

    @Test
    void lineFramingCannotCarryLineBreaks() {
        assertThat(Framing.lines().canFrame(Message.of("t", "ok"))).isTrue();
        assertThat(Framing.lines().canFrame(Message.of("t", "a\nb"))).isFalse();
        assertThat(Framing.lines().canFrame(Message.of("t", "a\rb"))).isFalse();
        assertThat(Framing.lengthPrefixed().canFrame(Message.of("t", "a\r\nb"))).isTrue();
    }
}
