package io.pushline.redis;

import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.Position;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * History on Redis, shared by {@link RedisMessageSource}, {@link RedisClusterMessageSource} and
 * {@link RedisPublisher}: runs the {@link HistoryScript scripts} on a {@link PublishConnection} (with
 * {@code SPUBLISH} on a cluster) with the {@link HistoryOptions}, and turns their
 * replies into positions and {@link HistoryRead}s (a reply it cannot read fails the future too). Thread-safe;
 * never blocks; futures complete on a Lettuce I/O thread and fail with a {@code SourceException} naming the
 * topic.
 */
final class RedisHistory {
    /** What a history publish gave: the message's position and how many subscriptions received it. */
    record Published(Position position, long receivers) {
    }

    private final HistoryOptions options;
    private final PublishConnection<?> connection;
    private final HistoryScript publishScript;
    private final byte[] maxlen;
    private final byte[] ttlMillis;
    private final byte[] metaTtlMillis;

    RedisHistory(HistoryOptions options, PublishConnection<?> connection) {
        this.options = options;
        this.connection = connection;
        this.publishScript = connection.sharded() ? HistoryScript.SPUBLISH : HistoryScript.PUBLISH;
        this.maxlen = ascii(Integer.toString(options.size()));
        this.ttlMillis = ascii(Long.toString(Math.max(1, options.ttl().toMillis())));
        this.metaTtlMillis = ascii(Long.toString(Math.max(1, options.metaTtl().toMillis())));
    }

    /** Whether the topic keeps history (the options' predicate). */
    boolean appliesTo(String topic) {
        return options.appliesTo(topic);
    }

    HistoryOptions options() {
        return options;
    }

    /** Publishes with the publish script: the message gets the topic's next position. */
    CompletableFuture<Published> publish(String topic, byte[] payload) {
        String[] keys = RedisKeys.keys(topic);
        byte[][] args = {topic.getBytes(StandardCharsets.UTF_8), payload, maxlen, ttlMillis, metaTtlMillis,
            ascii(Position.newEpoch())};
        return connection.run("PUBLISH to " + topic, c -> publishScript.run(c, keys, args)
                .thenApply(reply -> new Published(Position.of((Long) reply.get(0), text(reply.get(1))),
                        (Long) reply.get(2))));
    }

    /** Reads with the read script; creates the topic's meta when it has none. */
    CompletableFuture<HistoryRead> read(String topic, HistoryQuery query) {
        String[] keys = RedisKeys.keys(topic);
        byte[][] args = {ascii(Long.toString(query.after())), ascii(Integer.toString(query.limit())),
            metaTtlMillis, ascii(Position.newEpoch())};
        return connection.run("history read of " + topic, c -> HistoryScript.READ.run(c, keys, args)
                .thenApply(reply -> historyRead(topic, reply)));
    }

    private static HistoryRead historyRead(String topic, List<Object> reply) {
        String epoch = text(reply.get(0));
        List<Message> messages = new ArrayList<>((reply.size() - 2) / 2);
        for (int i = 2; i + 1 < reply.size(); i += 2) {
            Position p = Position.of(offset((byte[]) reply.get(i)), epoch);
            messages.add(Message.wrap(topic, (byte[]) reply.get(i + 1), p));
        }
        return new HistoryRead(Position.of((Long) reply.get(1), epoch), messages);
    }

    /** The offset in a stream entry id, {@code <offset>-0}. */
    static long offset(byte[] id) {
        long offset = 0;
        for (byte b : id) {
            if (b == '-') {
                return offset;
            }
            if (b < '0' || b > '9') {
                break;
            }
            offset = offset * 10 + (b - '0');
        }
        throw new IllegalStateException("not a history stream id: " + text(id));
    }

    private static String text(Object bytes) {
        return new String((byte[]) bytes, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
