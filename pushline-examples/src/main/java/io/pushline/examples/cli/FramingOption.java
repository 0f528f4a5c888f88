package io.pushline.examples.cli;

import io.pushline.Framing;

/** The {@code --framing} values. */
enum FramingOption {
    LINES("lines"), LENGTH_PREFIXED("length-prefixed");

    private final String flag;

    FramingOption(String flag) {
        this.flag = flag;
    }

    Framing framing(int maxFrameLength) {
        return this == LINES ? Framing.lines(maxFrameLength) : Framing.lengthPrefixed(maxFrameLength);
    }

    static FramingOption parse(String value) {
        for (FramingOption option : values()) {
            if (option.flag.equalsIgnoreCase(value) || option.name().equalsIgnoreCase(value)) {
                return option;
            }
        }
        throw new IllegalArgumentException("expected lines or length-prefixed, got '" + value + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
