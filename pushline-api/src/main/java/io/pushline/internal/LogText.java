package io.pushline.internal;

/**
 * Makes untrusted text (topic and channel names from a broker, principals, client input) safe to put in a log line:
 * control characters, including CR and LF, the Unicode line and paragraph separators and the backslash become
 * backslash escapes (a backslash, then {@code x} and two hex digits, or {@code u} and four), so that no input can
 * start a forged log line. Long text is cut to 300 characters.
 */
public final class LogText {
    private static final int MAX = 300;

    private LogText() {
    }

    /**
     * Escapes {@code text} for a log line.
     *
     * @param text the untrusted text; may be null
     * @return the text, escaped and cut, or {@code "null"}
     */
    public static String escape(CharSequence text) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), MAX);
        StringBuilder out = null;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean unsafe = Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\\';
            if (unsafe && out == null) {
                out = new StringBuilder(n + 16).append(text, 0, i);
            }
            if (out != null) {
                if (c == '\\') {
                    out.append("\\\\");
                } else if (unsafe) {
                    out.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        String result = out == null ? text.subSequence(0, n).toString() : out.toString();
        return text.length() > MAX ? result + "...(" + text.length() + " chars)" : result;
    }
}
