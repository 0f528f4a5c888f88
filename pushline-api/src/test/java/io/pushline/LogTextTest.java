package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.internal.LogText;
import org.junit.jupiter.api.Test;

/** Untrusted text cannot start a new log line or hide what it is. */
class LogTextTest {
    @Test
    void lineBreaksAndControlsAreEscaped() {
        String forged = "news\r\n2026-12-01 [main] INFO granted admin\u2028\u0000\u001b[31m";
        String escaped = LogText.escape(forged);
        assertThat(escaped).doesNotContain("\r", "\n", "\u2028", "\u0000", "\u001b")
                .isEqualTo("news\\x0d\\x0a2026-12-01 [main] INFO granted admin\\u2028\\x00\\x1b[31m");
    }

    @Test
    void plainTextIsUnchangedAndBackslashesStayUnambiguous() {
        assertThat(LogText.escape("stock.ACME é")).isEqualTo("stock.ACME é");
        assertThat(LogText.escape("a\\x0d")).isEqualTo("a\\\\x0d");
        assertThat(LogText.escape(null)).isEqualTo("null");
    }

    @Test
    void longTextIsCut() {
        assertThat(LogText.escape("x".repeat(1_000))).hasSize(300 + "...(1000 chars)".length());
    }
}
