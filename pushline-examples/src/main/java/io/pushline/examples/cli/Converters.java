package io.pushline.examples.cli;

import io.lettuce.core.RedisURI;
import io.pushline.Framing;
import io.pushline.PatternDialect;
import io.pushline.Topics;
import io.pushline.netty.ServerWebSocket;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option converters that check each value as it is parsed, so that a bad value is refused with one line saying
 * what is wrong and what is expected, before anything starts.
 */
final class Converters {
    private Converters() {
    }

    /** A TCP port, 0 to 65535 (0 picks a free one). */
    static final class Port implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int port = integer(value, "a port (0..65535)");
            if (port < 0 || port > 65_535) {
                throw new TypeConversionException(value + " is not a port (0..65535)");
            }
            return port;
        }
    }

    /** A count of at least 1. */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = integer(value, "a whole number >= 1");
            if (n < 1) {
                throw new TypeConversionException(value + " is too small (expected: a whole number >= 1)");
            }
            return n;
        }
    }

    /** A count of at least 0. */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = integer(value, "a whole number >= 0");
            if (n < 0) {
                throw new TypeConversionException(value + " is negative (expected: a whole number >= 0)");
            }
            return n;
        }
    }

    /** A duration longer than zero, in the syntax of {@link DurationConverter}. */
    static final class PositiveDuration implements ITypeConverter<Duration> {
        private final DurationConverter parse = new DurationConverter();

        @Override
        public Duration convert(String value) {
            Duration d = parse.convert(value);
            if (d.isZero() || d.isNegative()) {
                throw new TypeConversionException(value + " is not a positive duration (expected e.g. 500ms, 30s, 5m)");
            }
            return d;
        }
    }

    /** A duration of zero or more, in the syntax of {@link DurationConverter}. */
    static final class NonNegativeDuration implements ITypeConverter<Duration> {
        private final DurationConverter parse = new DurationConverter();

        @Override
        public Duration convert(String value) {
            Duration d = parse.convert(value);
            if (d.isNegative()) {
                throw new TypeConversionException(value + " is negative (expected e.g. 0s, 500ms, 30s)");
            }
            return d;
        }
    }

    /** An outbound buffer bound: a size of at least 1k. */
    static final class QueuedSize implements ITypeConverter<Integer> {
        private final SizeConverter parse = new SizeConverter();

        @Override
        public Integer convert(String value) {
            int size = parse.convert(value);
            if (size < 1024) {
                throw new TypeConversionException(value + " is too small (expected: at least 1k)");
            }
            return size;
        }
    }

    /** A frame length: a size from 1 byte to {@link Framing#MAX_MAX_FRAME_LENGTH}. */
    static final class FrameLength implements ITypeConverter<Integer> {
        private final SizeConverter parse = new SizeConverter();

        @Override
        public Integer convert(String value) {
            int size = parse.convert(value);
            if (size > Framing.MAX_MAX_FRAME_LENGTH) {
                throw new TypeConversionException(value + " is too large (expected: at most 16m)");
            }
            return size;
        }
    }

    /** A Redis URI such as {@code redis://host:port}; the value is kept as typed (it may hold a password). */
    static final class Redis implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                RedisURI.create(value);
                return value;
            } catch (RuntimeException e) {
                throw new TypeConversionException("not a Redis URI (expected e.g. redis://127.0.0.1:6379 or "
                        + "rediss://user:password@host:6380)");
            }
        }
    }

    /** A topic: 1 to 256 bytes of UTF-8, no spaces or control characters, not starting with '$'. */
    static final class Topic implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String problem = Topics.problem(value);
            if (problem == null && Topics.isReserved(value)) {
                problem = "names starting with '$' belong to the server";
            }
            if (problem != null) {
                throw new TypeConversionException("'" + value + "': " + problem);
            }
            return value;
        }
    }

    /** A web origin for the WebSocket allow-list: {@code scheme://host[:port]}. */
    static final class Origin implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                ServerWebSocket.builder().allowedOrigins(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not an origin (expected: scheme://host[:port], "
                        + "such as https://app.example.com)");
            }
        }
    }

    /** A Redis glob pattern. */
    static final class Pattern implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String problem = PatternDialect.redisGlob().patternProblem(value);
            if (problem != null) {
                throw new TypeConversionException("'" + value + "': " + problem);
            }
            return value;
        }
    }

    /** {@code HOST:PORT}. */
    static final class HostPort implements ITypeConverter<HostAndPort> {
        @Override
        public HostAndPort convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new TypeConversionException("'" + value + "' is not HOST:PORT (e.g. localhost:5567)");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1); // [::1]:5567
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "': the port is not a number (e.g. localhost:5567)");
            }
            if (port < 1 || port > 65_535) {
                throw new TypeConversionException("'" + value + "': " + port + " is not a port (1..65535)");
            }
            return new HostAndPort(host, port);
        }
    }

    /**
     * A server address.
     *
     * @param host the host name or address
     * @param port the port
     */
    record HostAndPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    private static int integer(String value, String expected) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not " + expected);
        }
    }
}
