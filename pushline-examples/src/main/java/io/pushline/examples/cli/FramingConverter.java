package io.pushline.examples.cli;

import picocli.CommandLine.ITypeConverter;

/** Parses {@code --framing}. */
final class FramingConverter implements ITypeConverter<FramingOption> {
    @Override
    public FramingOption convert(String value) {
        return FramingOption.parse(value);
    }
}
