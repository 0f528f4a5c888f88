package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.CloseReason;
import io.pushline.Message;
import io.pushline.PatternDialect;
import io.pushline.TopicAuthorizer;
import io.pushline.Topics;
import io.pushline.internal.LogText;
import io.pushline.netty.internal.Frames;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code commands} protocol for one connection. Each frame is one command; each command gets exactly one
 * reply, in command order, even when a reply waits for the broker (a {@code SUB} is answered once the broker
 * confirmed the subscription) and later commands were answered at once: replies wait in a FIFO and are written
 * as soon as every earlier one is ready. Everything here runs on the connection's event loop.
 */
final class CommandsProtocolHandler extends ConnectionHandler {
    /** Commands whose reply is not written yet; past this the client is pipelining without reading. */
    static final int MAX_PENDING_REPLIES = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(CommandsProtocolHandler.class);
    private static final byte[] OK = ascii("+OK");
    private static final byte[] PONG = ascii("PONG");

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean quitting;
    /** Frames that arrived while an {@code AUTH} was being checked; replayed (in order) once it is decided. */
    private final ArrayDeque<ByteBuf> deferred = new ArrayDeque<>();
    private boolean authPending;
    private final Resumes resumes;

    CommandsProtocolHandler(ServerContext server, NettyClient client) {
        super(server, client);
        this.resumes = new Resumes(this, server, client);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseDeferred();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseDeferred();
    }

    private void releaseDeferred() {
        ByteBuf f;
        while ((f = deferred.poll()) != null) {
            f.release();
        }
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        if (quitting) {
            return; // after QUIT nothing more is read
        }
        if (authPending) {
            // pipelined after an AUTH that is still being checked: decide it first, then run these in order
            if (pending.size() + deferred.size() >= MAX_PENDING_REPLIES) {
                quitting = true;
                client.closeReason(CloseReason.TOO_MANY_PENDING);
                replyErrorAndClose(ctx, "too many pending commands");
                return;
            }
            deferred.add(frame.retain());
            return;
        }
        if (pending.size() >= MAX_PENDING_REPLIES) {
            LOG.debug("{}: {} replies pending, closing", client, pending.size());
            quitting = true;
            client.closeReason(CloseReason.TOO_MANY_PENDING);
            replyErrorAndClose(ctx, "too many pending commands");
            return;
        }
        int start = frame.readerIndex();
        int space = frame.indexOf(start, frame.writerIndex(), (byte) ' ');
        int verbEnd = space < 0 ? frame.writerIndex() : space;
        String verb = frame.toString(start, verbEnd - start, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        ByteBuf args = space < 0 ? null : frame.slice(space + 1, frame.writerIndex() - space - 1);
        if (!client.auth().isAuthenticated() && !verb.equals("AUTH") && !verb.equals("QUIT")) {
            quitting = true;
            client.closeReason(CloseReason.UNAUTHORIZED);
            replyErrorAndClose(ctx, "unauthorized");
            return;
        }
        switch (verb) {
            case "SUB":
                subscribe(args, false);
                break;
            case "PSUB":
                subscribe(args, true);
                break;
            case "UNSUB":
                unsubscribe(args, false);
                break;
            case "PUNSUB":
                unsubscribe(args, true);
                break;
            case "PUB":
                publish(args);
                break;
            case "PING":
                reply(args == null ? PONG : concat(PONG, args));
                break;
            case "AUTH":
                auth(args);
                break;
            case "PONG":
                break; // the answer to the server's heartbeat PING: activity, not a command, so no reply
            case "QUIT":
                quitting = true;
                client.closeReason(CloseReason.QUIT);
                reply(OK);
                break;
            default:
                error("unknown command");
                break;
        }
    }

    private void subscribe(ByteBuf args, boolean pattern) {
        if (pattern && !server.config().source().capabilities().patterns()) {
            error("patterns not supported by this source");
            return;
        }
        ByteBuf nameArg = args;
        String option = null;
        String value = null;
        int space = args == null || pattern ? -1 : args.indexOf(args.readerIndex(), args.writerIndex(), (byte) ' ');
        if (space >= 0) {
            // SUB <topic> FROM <position> | LAST <n>; anything else is a topic with a space, refused as such
            String[] rest = args.toString(space + 1, args.writerIndex() - space - 1, StandardCharsets.ISO_8859_1)
                    .split(" ", -1);
            String word = rest[0].toUpperCase(Locale.ROOT);
            if (word.equals("FROM") || word.equals("LAST")) {
                if (rest.length != 2) {
                    error("wrong arguments for 'SUB' (expected: SUB <topic> [FROM <position> | LAST <n>])");
                    return;
                }
                nameArg = args.slice(args.readerIndex(), space - args.readerIndex());
                option = word;
                value = rest[1];
            }
        }
        String name = name(nameArg, pattern);
        if (name == null) {
            return;
        }
        if (Topics.isReserved(name)) {
            error("reserved " + (pattern ? "pattern" : "topic") + ": names starting with '$' belong to the server");
            return;
        }
        if (!client.auth().authorized(name, pattern, TopicAuthorizer.Action.SUBSCRIBE)) {
            error("forbidden");
            return;
        }
        Set<String> held = pattern ? client.held().patterns : client.held().topics;
        boolean already = held.contains(name);
        boolean history = !pattern && server.config().source().hasHistory(name);
        if (already && !history) {
            reply(OK); // already subscribed
            return;
        }
        int limit = pattern ? server.config().maxPatternsPerConnection() : server.config().maxTopicsPerConnection();
        if (!already && held.size() >= limit) {
            error("too many subscriptions (at most " + limit + (pattern ? " patterns" : " topics") + ")");
            return;
        }
        if (history) {
            resumes.subscribe(name, already, option, value);
            return;
        }
        held.add(name);
        CompletableFuture<Void> confirmed = pattern
                ? server.subscriptions().psubscribe(client, name)
                : server.subscriptions().subscribe(client, name);
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        enqueue(reply);
        // both outcomes are decided on the event loop, so exactly one of them answers; a refusal is rolled back
        // before the client hears of it
        ScheduledFuture<?> timeout = confirmed.isDone() ? null : ctx.executor().schedule(() -> {
            if (!reply.isDone()) {
                unsubscribeNow(name, pattern); // not subscribed after all; the client may try again
                reply.complete(ascii("-ERR unavailable: the broker did not confirm within "
                        + server.config().brokerTimeout().toMillis() + " ms"));
            }
        }, server.config().brokerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        confirmed.whenComplete((ok, error) -> onLoop(() -> {
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (reply.isDone()) {
                return; // timed out before: already answered and rolled back
            }
            if (error != null) {
                unsubscribeNow(name, pattern);
                reply.complete(ascii("-ERR subscribe failed: " + rootMessage(error)));
            } else {
                reply.complete(OK);
            }
        }));
    }

    private void unsubscribe(ByteBuf args, boolean pattern) {
        String name = name(args, pattern);
        if (name == null) {
            return;
        }
        unsubscribeNow(name, pattern);
        reply(OK);
    }

    void unsubscribeNow(String name, boolean pattern) {
        client.unsubscribeNow(name, pattern);
    }

    private void publish(ByteBuf args) {
        if (!server.config().allowPublish()) {
            error("forbidden");
            return;
        }
        if (!server.config().source().capabilities().publish()) {
            error("publish not supported by this source");
            return;
        }
        int space = args == null ? -1 : args.indexOf(args.readerIndex(), args.writerIndex(), (byte) ' ');
        if (space < 0) {
            error("wrong number of arguments for 'PUB' (expected: PUB <topic> <payload>)");
            return;
        }
        String topic = name(args.slice(args.readerIndex(), space - args.readerIndex()), false);
        if (topic == null) {
            return;
        }
        if (Topics.isReserved(topic)) {
            error("reserved topic: names starting with '$' belong to the server");
            return;
        }
        if (!client.auth().authorized(topic, false, TopicAuthorizer.Action.PUBLISH)) {
            error("forbidden");
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(args, space + 1, args.writerIndex() - space - 1);
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        CompletableFuture<Void> published = server.config().source().publish(Message.of(topic, payload));
        ScheduledFuture<?> timeout = published.isDone() ? null : ctx.executor().schedule(() -> reply.complete(
                ascii("-ERR unavailable: the broker did not accept the message within "
                        + server.config().brokerTimeout().toMillis() + " ms (it may still be published)")),
                server.config().brokerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        published.whenComplete((ok, error) -> {
            if (timeout != null) {
                timeout.cancel(false);
            }
            reply.complete(error == null ? OK : ascii("-ERR publish failed: " + rootMessage(error)));
        });
        enqueue(reply);
    }

    private void auth(ByteBuf args) {
        Authenticator authenticator = server.config().authenticator();
        if (args == null || !args.isReadable()) {
            error("wrong number of arguments for 'AUTH' (expected: AUTH <token>)");
            return;
        }
        if (authenticator == null) {
            reply(OK); // authentication is off: AUTH is accepted and changes nothing
            return;
        }
        byte[] token = ByteBufUtil.getBytes(args);
        CompletableFuture<Authentication> decision = ask(() -> authenticator.authenticate(client, token));
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        Pending slot = enqueue(reply);
        authPending = true;
        boolean again = client.auth().isAuthenticated();
        decision.whenComplete((auth, error) -> onLoop(() -> {
            authPending = false;
            if (error == null && auth != null) {
                client.auth().authenticated(auth);
                LOG.debug("{} authenticated as {}", client, LogText.escape(auth.principal()));
                if (again) {
                    dropUngranted();
                }
                reply.complete(OK);
            } else {
                LOG.debug("{}: authentication rejected", client);
                quitting = true;
                client.closeReason(CloseReason.UNAUTHORIZED);
                slot.closeAfter = true;
                reply.complete(ascii("-ERR unauthorized"));
            }
            replayDeferred();
        }));
    }

    /**
     * After a second {@code AUTH}: every subscription is authorized again for the new authentication, and those
     * it does not grant end (the client asked to become someone else, or its grants narrowed).
     */
    private void dropUngranted() {
        for (String topic : List.copyOf(client.held().topics)) {
            if (!client.auth().authorized(topic, false, TopicAuthorizer.Action.SUBSCRIBE)) {
                unsubscribeNow(topic, false);
            }
        }
        for (String pattern : List.copyOf(client.held().patterns)) {
            if (!client.auth().authorized(pattern, true, TopicAuthorizer.Action.SUBSCRIBE)) {
                unsubscribeNow(pattern, true);
            }
        }
    }

    private void replayDeferred() {
        ByteBuf f;
        while (!authPending && (f = deferred.poll()) != null) {
            try {
                onFrame(ctx, f);
            } finally {
                f.release();
            }
        }
        if (quitting) {
            releaseDeferred();
        }
    }

    /** Decodes and checks a topic or pattern argument; replies with the reason and returns null when bad. */
    private String name(ByteBuf arg, boolean pattern) {
        String what = pattern ? "pattern" : "topic";
        if (arg == null || !arg.isReadable()) {
            error("missing " + what);
            return null;
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(arg.nioBuffer()).toString();
        } catch (CharacterCodingException e) {
            error(what + " is not valid UTF-8");
            return null;
        }
        PatternDialect dialect = server.config().source().capabilities().dialect();
        String problem = pattern ? dialect.patternProblem(name) : dialect.topicProblem(name);
        if (problem != null) {
            error(problem);
            return null;
        }
        return name;
    }

    private void reply(byte[] text) {
        enqueue(CompletableFuture.completedFuture(text));
    }

    void error(String reason) {
        reply(ascii("-ERR " + reason));
    }

    Pending enqueue(CompletableFuture<byte[]> reply) {
        Pending p = new Pending(reply, quitting);
        pending.add(p);
        reply.whenComplete((r, e) -> onLoop(this::drain));
        return p;
    }

    /** Runs at once when already on the connection's event loop (a future completed synchronously), else later. */
    void onLoop(Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }

    /** Writes every reply at the head of the FIFO that is ready, then flushes once. */
    private void drain() {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().reply.isDone()) {
            Pending p = pending.poll();
            byte[] text = p.reply.getNow(null);
            if (!ctx.channel().isActive()) {
                if (p.afterWrite != null) {
                    p.afterWrite.run();
                }
                continue;
            }
            wrote = true;
            if (!Frames.canFrame(server.config().framing(), text)) {
                // only PING echoes client bytes; a bare CR in them must not reach the wire inside a line
                text = ascii("-ERR reply would contain CR or LF, which line framing cannot carry");
            }
            ByteBuf out = Frames.frame(ctx.alloc(), server.config().framing(), text);
            if (p.closeAfter) {
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                pending.clear();
                return;
            }
            ctx.write(out, ctx.voidPromise());
            if (p.afterWrite != null) {
                p.afterWrite.run(); // what must follow the reply at once (a resume's replay)
            }
        }
        if (wrote) {
            ctx.flush();
        }
    }

    static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).replace('\r', ' ').replace('\n', ' ');
    }

    private static byte[] concat(byte[] head, ByteBuf tail) {
        byte[] out = new byte[head.length + 1 + tail.readableBytes()];
        System.arraycopy(head, 0, out, 0, head.length);
        out[head.length] = ' ';
        tail.getBytes(tail.readerIndex(), out, head.length + 1, tail.readableBytes());
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A reply slot; {@code closeAfter} marks a reply after which the connection closes (QUIT, failed AUTH), and
     * {@code afterWrite} runs right after the reply is written (or dropped with the connection).
     */
    static final class Pending {
        final CompletableFuture<byte[]> reply;
        boolean closeAfter;
        Runnable afterWrite;

        Pending(CompletableFuture<byte[]> reply, boolean closeAfter) {
            this.reply = reply;
            this.closeAfter = closeAfter;
        }
    }
}
