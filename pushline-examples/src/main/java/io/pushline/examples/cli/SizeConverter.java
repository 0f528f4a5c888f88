package io.pushline.examples.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses byte sizes such as {@code 65536}, {@code 256k} or {@code 32m} (binary units). */
final class SizeConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long factor = 1;
        if (v.endsWith("k") || v.endsWith("m") || v.endsWith("g")) {
            factor = v.endsWith("k") ? 1024 : v.endsWith("m") ? 1024 * 1024 : 1024 * 1024 * 1024;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long bytes = Long.parseLong(v) * factor;
            if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
                throw new TypeConversionException("size out of range: '" + value + "'");
            }
            return (int) bytes;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected a size such as 65536, 256k or 32m, got '" + value + "'");
        }
    }
}
