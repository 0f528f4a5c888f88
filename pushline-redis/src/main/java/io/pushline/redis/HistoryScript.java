package io.pushline.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The two Lua scripts that keep a topic's history (keys: {@link RedisKeys}), run with {@code EVALSHA} and, when
 * Redis does not know the script (first use, restarted, {@code SCRIPT FLUSH}), once more with {@code EVAL}, which
 * also loads it. Epochs are made in Java ({@link io.pushline.Position#newEpoch()}) and passed in: a script cannot
 * draw random numbers. Both scripts create a missing meta hash the same way: the stream is deleted (it belongs to a
 * lost epoch) and the meta gets the candidate epoch and top 0. Immutable, thread-safe.
 */
final class HistoryScript {
    /**
     * KEYS meta, stream; ARGV channel, payload, maxlen, stream TTL ms, meta TTL ms, candidate epoch. Gives the
     * message the next offset, appends it to the stream (trimmed to exactly maxlen), refreshes both TTLs and
     * publishes the {@link Envelope envelope} with {@code PUBLISH}. Returns {top, epoch, receivers}.
     */
    static final HistoryScript PUBLISH = publish("PUBLISH");

    /**
     * {@link #PUBLISH} for Redis Cluster: the envelope goes out with {@code SPUBLISH}, to the shard that owns the
     * topic's slot, which is also the slot of both keys ({@link RedisKeys}).
     */
    static final HistoryScript SPUBLISH = publish("SPUBLISH");

    /**
     * KEYS meta, stream; ARGV after (-1: the latest), limit, meta TTL ms, candidate epoch. Returns {epoch, top,
     * id, payload, id, payload, ...}, oldest first: for {@code after >= 0} the entries after it, and only when
     * there are at most {@code limit} of them (fewer cannot recover the reader anyway); for {@code after = -1}
     * the last {@code limit}. A missing meta is created (its TTL set), so that the top handed out stays valid.
     */
    static final HistoryScript READ = new HistoryScript("""
            local meta, stream = KEYS[1], KEYS[2]
            local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
            local state = redis.call('HMGET', meta, 'e', 't')
            local epoch, top = state[1], tonumber(state[2]) or 0
            if not epoch then
              redis.call('DEL', stream)
              epoch = ARGV[4]
              top = 0
              redis.call('HSET', meta, 'e', epoch, 't', 0)
              redis.call('PEXPIRE', meta, ARGV[3])
            end
            local out = {epoch, top}
            local entries = {}
            if limit > 0 and after < 0 then
              local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', limit)
              for i = #newest, 1, -1 do
                entries[#entries + 1] = newest[i]
              end
            elseif limit > 0 and after < top and top - after <= limit then
              entries = redis.call('XRANGE', stream, string.format('%d', after + 1) .. '-0', '+', 'COUNT', limit)
            end
            for i = 1, #entries do
              out[#out + 1] = entries[i][1]
              out[#out + 1] = entries[i][2][2]
            end
            return out
            """);

    private final String text;
    private final String sha;

    /** The publish script with {@code command} (PUBLISH or SPUBLISH) for the envelope. */
    private static HistoryScript publish(String command) {
        return new HistoryScript("""
                local meta, stream = KEYS[1], KEYS[2]
                local epoch = redis.call('HGET', meta, 'e')
                if not epoch then
                  redis.call('DEL', stream)
                  epoch = ARGV[6]
                  redis.call('HSET', meta, 'e', epoch, 't', 0)
                end
                local top = redis.call('HINCRBY', meta, 't', 1)
                local offset = string.format('%d', top)
                redis.call('XADD', stream, 'MAXLEN', ARGV[3], offset .. '-0', 'p', ARGV[2])
                redis.call('PEXPIRE', stream, ARGV[4])
                redis.call('PEXPIRE', meta, ARGV[5])
                local receivers = redis.call('COMMAND', ARGV[1], '\\0PL1 ' .. offset .. '.' .. epoch .. ' ' .. ARGV[2])
                return {top, epoch, receivers}
                """.replace("'COMMAND'", "'" + command + "'"));
    }

    private HistoryScript(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    /**
     * Runs the script: {@code EVALSHA}, and {@code EVAL} when Redis answers {@code NOSCRIPT}. Publishes in flight
     * when Redis lost its scripts may so be applied after later ones (each still gets its own next offset).
     *
     * @param commands the connection
     * @param keys meta and stream
     * @param args the script's ARGV
     * @return the script's reply: integers as {@code Long}, strings as {@code byte[]}
     */
    CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, byte[]> commands, String[] keys,
            byte[]... args) {
        return commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> Lettuce.unwrap(e) instanceof RedisNoScriptException
                        ? commands.<List<Object>>eval(text, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e));
    }

    /** The script's SHA-1, as {@code EVALSHA} takes it. */
    String sha() {
        return sha;
    }

    /** The script's Lua text. */
    String text() {
        return text;
    }
}
