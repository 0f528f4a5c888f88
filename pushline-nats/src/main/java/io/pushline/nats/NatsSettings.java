package io.pushline.nats;

import io.nats.client.ErrorListener;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.pushline.HistoryOptions;
import io.pushline.internal.Checks;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * What {@link NatsMessageSource.Builder} and {@link NatsPublisher.Builder} collect, and the jnats {@link Options}
 * made from it: the source's safe defaults first (reconnect forever with jittered exponential backoff, a 2 s ping),
 * then the caller's customizer, then the listeners the source needs (wrapping the caller's). Not thread-safe while
 * building; read-only once a source or publisher holds it.
 */
final class NatsSettings {
    static final String DEFAULT_URL = "nats://127.0.0.1:4222";

    String url = DEFAULT_URL;
    Consumer<Options.Builder> customizer = b -> {
    };
    Duration reconnectMin = NatsMessageSource.DEFAULT_RECONNECT_DELAY_MIN;
    Duration reconnectMax = NatsMessageSource.DEFAULT_RECONNECT_DELAY_MAX;
    Duration requestTimeout = NatsMessageSource.DEFAULT_REQUEST_TIMEOUT;
    long pendingMessages = NatsMessageSource.DEFAULT_PENDING_MESSAGES;
    long pendingBytes = NatsMessageSource.DEFAULT_PENDING_BYTES;
    HistoryOptions history;
    StorageType storage = StorageType.File;
    int replicas = 1;

    /** A copy, so that a builder used again does not change what it built. */
    NatsSettings copy() {
        NatsSettings c = new NatsSettings();
        c.url = url;
        c.customizer = customizer;
        c.reconnectMin = reconnectMin;
        c.reconnectMax = reconnectMax;
        c.requestTimeout = requestTimeout;
        c.pendingMessages = pendingMessages;
        c.pendingBytes = pendingBytes;
        c.history = history;
        c.storage = storage;
        c.replicas = replicas;
        return c;
    }

    void url(String url) {
        Objects.requireNonNull(url, "url");
        for (String one : url.split(",")) {
            if (one.isBlank()) {
                throw new IllegalArgumentException("url: an empty server in '" + describe(url) + "'");
            }
        }
        this.url = url;
    }

    void reconnectDelay(Duration min, Duration max) {
        Checks.positive(min, "min");
        Checks.positive(max, "max");
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max " + max + " is shorter than min " + min);
        }
        reconnectMin = min;
        reconnectMax = max;
    }

    void pendingLimits(long messages, long bytes) {
        if (messages < 1 || bytes < 1) {
            throw new IllegalArgumentException("pending limits: " + messages + " messages, " + bytes
                    + " bytes (expected: both >= 1)");
        }
        pendingMessages = messages;
        pendingBytes = bytes;
    }

    void replicas(int replicas) {
        if (replicas < 1 || replicas > 5) {
            throw new IllegalArgumentException("replicas: " + replicas + " (expected: 1 to 5)");
        }
        this.replicas = replicas;
    }

    /** The jnats options: our defaults, the caller's changes, then our listeners in front of the caller's. */
    Options options(String connectionName, ErrorListener errors) {
        Options.Builder b = new Options.Builder()
                .servers(url.split(","))
                .connectionName(connectionName)
                .maxReconnects(-1) // forever: jnats gives up after 60 attempts by default
                .reconnectDelayHandler(this::reconnectDelay)
                .pingInterval(Duration.ofSeconds(2))
                .maxPingsOut(2)
                .connectionTimeout(requestTimeout);
        customizer.accept(b);
        Options custom = b.build();
        ErrorListener theirs = custom.getErrorListener();
        if (theirs != null && theirs.getClass().getName().startsWith("io.nats.client.impl.ErrorListener")) {
            theirs = null; // jnats's default logs to java.util.logging: ours logs the same through SLF4J
        }
        return new Options.Builder(custom).errorListener(new ChainedErrors(errors, theirs)).build();
    }

    /** Equal jitter: half of the exponential delay fixed, half random, capped at {@link #reconnectMax}. */
    private Duration reconnectDelay(long attempt) {
        long min = reconnectMin.toNanos();
        long max = reconnectMax.toNanos();
        long exp = attempt >= 30 ? max : Math.min(max, min << Math.max(0, attempt));
        long half = exp / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** The servers for logs: scheme, host and port only, never credentials. */
    String description() {
        return describe(url);
    }

    static String describe(String urls) {
        StringBuilder out = new StringBuilder();
        for (String one : urls.split(",")) {
            if (out.length() > 0) {
                out.append(',');
            }
            String u = one.trim();
            try {
                URI uri = new URI(u.contains("://") ? u : "nats://" + u);
                out.append(uri.getScheme()).append("://").append(uri.getHost()).append(':')
                        .append(uri.getPort() < 0 ? 4222 : uri.getPort());
            } catch (java.net.URISyntaxException e) {
                out.append("<unparsable url>");
            }
        }
        return out.toString();
    }

    /** Our error listener first, then the caller's (or jnats's default). */
    private record ChainedErrors(ErrorListener ours, ErrorListener theirs) implements ErrorListener {
        @Override
        public void errorOccurred(io.nats.client.Connection conn, String error) {
            ours.errorOccurred(conn, error);
            if (theirs != null) {
                theirs.errorOccurred(conn, error);
            }
        }

        @Override
        public void exceptionOccurred(io.nats.client.Connection conn, Exception exp) {
            ours.exceptionOccurred(conn, exp);
            if (theirs != null) {
                theirs.exceptionOccurred(conn, exp);
            }
        }

        @Override
        public void slowConsumerDetected(io.nats.client.Connection conn, io.nats.client.Consumer consumer) {
            ours.slowConsumerDetected(conn, consumer);
            if (theirs != null) {
                theirs.slowConsumerDetected(conn, consumer);
            }
        }
    }
}
