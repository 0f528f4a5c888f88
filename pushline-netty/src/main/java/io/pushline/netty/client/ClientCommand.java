package io.pushline.netty.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pushline.Framing;
import io.pushline.PushlineException;
import io.pushline.netty.internal.Frames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One command of the {@code commands} protocol and the future its reply completes. Written to a channel whose
 * pipeline holds a {@link ClientHandler}, which frames it and matches it with its reply.
 *
 * <p>The future completes with the reply's text: {@code ""} for {@code +OK}, the text after {@code PONG} for a
 * ping, the words after {@code +OK} for a {@code SUB} on a topic with history. A {@code -ERR <reason>} reply fails it
 * with {@code PushlineException(reason)} and marks the command {@link #refused()}; any other reply fails it as
 * unexpected.
 */
final class ClientCommand {
    /** What a successful reply looks like. */
    enum Reply {
        /** {@code +OK}. */
        OK,
        /** {@code PONG} or {@code PONG <text>}. */
        PONG,
        /** {@code +OK}, or {@code +OK <words>} (a {@code SUB} on a topic with history). */
        SUBSCRIBED
    }

    private static final String ERR = "-ERR";
    private static final String PONG = "PONG";

    private final String verb;
    private final byte[][] args;
    private final Reply expected;
    private final CompletableFuture<String> future = new CompletableFuture<>();
    private volatile boolean refused;

    private ClientCommand(Reply expected, String verb, byte[][] args) {
        this.expected = expected;
        this.verb = verb;
        this.args = args;
    }

    /** A command answered by {@code +OK}; the arguments are not copied. */
    static ClientCommand ok(String verb, byte[]... args) {
        return new ClientCommand(Reply.OK, verb, args);
    }

    /** A {@code SUB}: answered by {@code +OK [words]}; the future completes with the words ({@code ""} for none). */
    static ClientCommand sub(byte[]... args) {
        return new ClientCommand(Reply.SUBSCRIBED, "SUB", args);
    }

    /** A command answered by {@code PONG [text]}. */
    static ClientCommand pong(String verb, byte[]... args) {
        return new ClientCommand(Reply.PONG, verb, args);
    }

    CompletableFuture<String> future() {
        return future;
    }

    /** Whether the server answered {@code -ERR}. */
    boolean refused() {
        return refused;
    }

    String verb() {
        return verb;
    }

    /**
     * Whether the server reads history to answer it: a {@code SUB ... FROM} or {@code SUB ... LAST}. The server reads
     * at most {@link ClientConnection#MAX_RESUMES_IN_FLIGHT} at once per connection and refuses more.
     */
    boolean resume() {
        return expected == Reply.SUBSCRIBED && args.length == 3;
    }

    /** The frame length, without delimiter or length prefix. */
    int frameLength() {
        return Frames.commandLength(verb, args);
    }

    /** Whether some argument holds CR or LF, which line framing cannot carry. */
    boolean containsLineBreak() {
        for (byte[] arg : args) {
            if (Frames.containsLineBreak(arg)) {
                return true;
            }
        }
        return false;
    }

    ByteBuf encode(ByteBufAllocator alloc, Framing framing) {
        return Frames.command(alloc, framing, verb, args);
    }

    /** Completes the future from the server's reply. */
    void complete(String reply) {
        if (reply.equals(ERR) || reply.startsWith(ERR + ' ')) {
            refused = true;
            future.completeExceptionally(new PushlineException(reply.substring(Math.min(reply.length(), 5))));
        } else if (expected != Reply.PONG && reply.equals("+OK")) {
            future.complete("");
        } else if (expected == Reply.SUBSCRIBED && reply.startsWith("+OK ")) {
            future.complete(reply.substring(4));
        } else if (expected == Reply.PONG && reply.equals(PONG)) {
            future.complete("");
        } else if (expected == Reply.PONG && reply.startsWith(PONG + ' ')) {
            future.complete(reply.substring(PONG.length() + 1));
        } else {
            future.completeExceptionally(new PushlineException("unexpected reply to " + verb + ": "
                    + Pushes.abbreviate(reply)));
        }
    }

    /** Fails the future, unless it is already complete. */
    void fail(Throwable cause) {
        future.completeExceptionally(cause);
    }

    /** The verb and the argument count: never the arguments, which may hold a payload. */
    @Override
    public String toString() {
        return verb + " (" + args.length + " args)";
    }

    static <T> void link(CompletableFuture<String> reply, CompletableFuture<T> target,
            Function<String, T> result) {
        reply.whenComplete((text, error) -> {
            if (error != null) {
                target.completeExceptionally(error);
            } else {
                target.complete(result.apply(text));
            }
        });
    }

    static void failAll(List<? extends CompletableFuture<?>> futures, Throwable cause) {
        futures.forEach(f -> f.completeExceptionally(cause));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A token is one protocol argument: non-empty, no CR, LF or space. */
    static String checkToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isEmpty() || token.chars().anyMatch(c -> c == '\r' || c == '\n' || c == ' ')) {
            throw new IllegalArgumentException("auth: the token must be non-empty, without CR, LF or spaces");
        }
        return token;
    }
}
