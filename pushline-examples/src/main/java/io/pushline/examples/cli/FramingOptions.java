package io.pushline.examples.cli;

import io.pushline.Framing;
import picocli.CommandLine.Option;

/** The {@code --framing} and {@code --max-frame-length} options, shared by {@code server} and {@code client}. */
final class FramingOptions {
    @Option(names = "--framing", defaultValue = "lines", converter = FramingConverter.class,
            description = "lines or length-prefixed (default: ${DEFAULT-VALUE}).")
    FramingOption kind;

    @Option(names = "--max-frame-length", defaultValue = "64k", paramLabel = "SIZE",
            converter = Converters.FrameLength.class,
            description = "Longest frame, e.g. 65536, 64k or 1m (default: ${DEFAULT-VALUE}).")
    int maxFrameLength;

    Framing framing() {
        return kind.framing(maxFrameLength);
    }
}
