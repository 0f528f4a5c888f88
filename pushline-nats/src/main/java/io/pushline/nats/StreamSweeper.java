package io.pushline.nats;

import io.nats.client.Connection;
import io.nats.client.api.ApiResponse;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.support.JsonValue;
import io.nats.client.support.JsonValueUtils;
import io.pushline.internal.LogText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the history streams nothing was published to for longer than {@link io.pushline.HistoryOptions#metaTtl()}
 * (or, never published to, created that long ago): what keeps the number of streams bounded in time, as the meta
 * TTL bounds Redis's keys. A topic whose stream was swept starts a new epoch on its next read or publish, so a
 * client holding an old position is told its messages are lost.
 *
 * <p>A sweep lists the streams that capture {@code $PUSHLINE.H.>} ({@code STREAM.LIST}, page by page) and deletes
 * the idle ones; it runs on the source's timer every quarter of the meta TTL (at least every second, at most every
 * hour). Several sources sweeping the same server is harmless: a delete of a stream already gone is ignored.
 * Thread-safe: one sweep at a time.
 */
final class StreamSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);
    private static final ZonedDateTime NEVER = ZonedDateTime.parse("0001-01-02T00:00:00Z");

    private final Connection connection;
    private final Duration metaTtl;
    private final Duration timeout;
    private final Consumer<String> forget;
    private boolean running; // guarded by this

    StreamSweeper(Connection connection, Duration metaTtl, Duration timeout, Consumer<String> forget) {
        this.connection = connection;
        this.metaTtl = metaTtl;
        this.timeout = timeout;
        this.forget = forget;
    }

    /** How often sweeps run: a quarter of the meta TTL, between one second and one hour. */
    static Duration interval(Duration metaTtl) {
        Duration quarter = metaTtl.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : quarter.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : quarter;
    }

    /** Starts a sweep unless one runs; returns how many streams it deleted (0 when it did not run). */
    CompletableFuture<Integer> sweep() {
        synchronized (this) {
            if (running) {
                return CompletableFuture.completedFuture(0);
            }
            running = true;
        }
        return page(0, 0).whenComplete((deleted, error) -> {
            synchronized (this) {
                running = false;
            }
            if (error != null) {
                LOG.debug("sweeping idle history streams failed: {}", error.toString());
            } else if (deleted > 0) {
                LOG.info("deleted {} history streams idle for more than {}", deleted, metaTtl);
            }
        });
    }

    private CompletableFuture<Integer> page(int offset, int deleted) {
        byte[] query = ("{\"offset\":" + offset + ",\"subject\":\"" + HistoryStreams.SUBJECT_PREFIX + ">\"}")
                .getBytes(StandardCharsets.UTF_8);
        return connection.requestWithTimeout("$JS.API.STREAM.LIST", query, timeout).thenCompose(reply -> {
            Page p = new Page(reply);
            JsonValue streams = p.hasError() || p.getJv().map == null ? null : p.getJv().map.get("streams");
            if (streams == null || streams.array == null || streams.array.isEmpty()) {
                return CompletableFuture.completedFuture(deleted);
            }
            Instant cutoff = Instant.now().minus(metaTtl);
            CompletableFuture<Integer> done = CompletableFuture.completedFuture(0);
            for (JsonValue json : streams.array) {
                StreamInfo info = new StreamInfo(json);
                String name = info.getConfiguration().getName();
                if (name == null || !name.startsWith(HistoryStreams.STREAM_PREFIX) || !idle(info, cutoff)) {
                    continue;
                }
                String topic = topic(info);
                done = done.thenCombine(delete(name, topic), Integer::sum);
            }
            int next = offset + streams.array.size();
            long all = JsonValueUtils.readLong(p.getJv(), "total", 0);
            return done.thenCompose(n -> next < all ? page(next, deleted + n)
                    : CompletableFuture.completedFuture(deleted + n));
        });
    }

    private static boolean idle(StreamInfo info, Instant cutoff) {
        StreamState state = info.getStreamState();
        ZonedDateTime last = state.getLastTime();
        ZonedDateTime activity = last == null || last.isBefore(NEVER) ? info.getCreateTime() : last;
        return activity != null && activity.toInstant().isBefore(cutoff);
    }

    private static String topic(StreamInfo info) {
        for (String subject : info.getConfiguration().getSubjects()) {
            if (subject.startsWith(HistoryStreams.SUBJECT_PREFIX)) {
                return subject.substring(HistoryStreams.SUBJECT_PREFIX.length());
            }
        }
        return null;
    }

    private CompletableFuture<Integer> delete(String name, String topic) {
        return connection.requestWithTimeout("$JS.API.STREAM.DELETE." + name, null, timeout).handle((reply, e) -> {
            if (topic != null) {
                forget.accept(topic);
            }
            if (e != null) {
                LOG.debug("deleting idle history stream {} failed: {}", name, e.toString());
                return 0;
            }
            LOG.debug("deleted idle history stream {} of topic {}", name, LogText.escape(String.valueOf(topic)));
            return 1;
        });
    }

    /** A {@code STREAM.LIST} reply. */
    private static final class Page extends ApiResponse<Page> {
        Page(io.nats.client.Message reply) {
            super(reply);
        }
    }
}
