package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void acceptsPrintableNamesUpTo256Bytes() {
        assertThat(Topics.isValid("updates")).isTrue();
        assertThat(Topics.isValid("stock.*")).isTrue();
        assertThat(Topics.isValid("x".repeat(256))).isTrue();
        assertThat(Topics.isValid("é".repeat(128))).isTrue(); // 256 bytes in UTF-8
    }

    @Test
    void rejectsWithAReasonThatSaysWhatIsWrong() {
        assertThat(Topics.problem("")).isEqualTo("topic is empty");
        assertThat(Topics.problem(null)).isEqualTo("topic is empty");
        assertThat(Topics.problem("a b")).isEqualTo("topic contains a space");
        assertThat(Topics.problem("a\tb")).isEqualTo("topic contains a control character");
        assertThat(Topics.problem("a\u007fb")).isEqualTo("topic contains a control character");
        assertThat(Topics.problem("x".repeat(257))).isEqualTo("topic is longer than 256 bytes");
        assertThat(Topics.problem("é".repeat(129))).isEqualTo("topic is longer than 256 bytes");
        assertThatThrownBy(() -> Topics.validate("a b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic: 'a b' (topic contains a space)");
    }
}
