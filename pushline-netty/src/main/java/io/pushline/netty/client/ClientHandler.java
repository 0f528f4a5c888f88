package io.pushline.netty.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.netty.internal.Frames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's protocol handler for one connection; it sits after the frame decoder and is created per channel.
 *
 * <p>Outbound, it frames each {@link ClientCommand} written to the channel and remembers it in a FIFO of
 * commands in flight; at most {@code maxInFlight} are in flight, and at most {@code maxResumesInFlight} of them
 * {@link ClientCommand#resume() resumes}; later ones wait here (unframed, in order) and are written as replies
 * come back, so a burst of commands (say, re-subscribing thousands of topics) never exceeds the server's limits
 * on unanswered commands and on history reads. Other outbound messages (already framed {@code ByteBuf}s of a raw
 * connection) pass through.
 *
 * <p>Inbound, on {@code commands}, a frame starting with {@code "MSG "} is a push and goes to the listener;
 * every other non-empty frame is the reply to the oldest command in flight, except the notices the server sends
 * just before it closes the connection ({@code -ERR disconnected: ...}, {@code -ERR idle timeout},
 * {@code -ERR server shutting down}, ...: PROTOCOL.md, section 3.3), which may arrive while commands wait for
 * their replies and answer none of them: they are logged, and the commands fail when the connection closes. A
 * frame with nothing in flight is logged too. On {@code raw}, every frame is a payload and goes to the listener as
 * a message on {@link PushClient#RAW_TOPIC}. Every inbound buffer is released here. When the channel goes
 * inactive every command still waiting fails with {@code PushlineException("connection lost")} (caused by the
 * server's notice, when one came).
 *
 * <p>Everything runs on the channel's event loop.
 */
final class ClientHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);
    /**
     * The reasons of the {@code -ERR} notices a server sends just before it closes a connection (PROTOCOL.md,
     * section 3.3), by prefix; a plain {@code -ERR unauthorized} is left out: it is also the reply to {@code AUTH}.
     */
    private static final List<String> CLOSE_NOTICES = List.of("disconnected:", "server shutting down",
            "idle timeout", "too many connections", "rate limit exceeded", "too many pending commands",
            "frame too long", "frame timeout", "bad frame", "unauthorized: expired");

    private final String name;
    private static final byte[] PONG = "PONG".getBytes(StandardCharsets.US_ASCII);
    private final Framing framing;
    private final Protocol protocol;
    private final int maxInFlight;
    private final int maxResumesInFlight;
    private final Consumer<Message> listener;
    private final ArrayDeque<ClientCommand> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Queued> queued = new ArrayDeque<>();
    /** How many of the commands in flight are resumes. */
    private int resumesInFlight;
    /** The server's notice that it closes the connection, once received. */
    private String closeNotice;

    /**
     * Creates a handler.
     *
     * @param name names the connection in log lines
     * @param framing the connection's framing, for outbound commands
     * @param protocol the connection's protocol
     * @param maxInFlight the most commands written and not yet answered
     * @param maxResumesInFlight the most {@link ClientCommand#resume() resumes} among them
     * @param listener gets every push, on the event loop; what it throws is caught and logged
     */
    ClientHandler(String name, Framing framing, Protocol protocol, int maxInFlight, int maxResumesInFlight,
            Consumer<Message> listener) {
        this.name = name;
        this.framing = framing;
        this.protocol = protocol;
        this.maxInFlight = maxInFlight;
        this.maxResumesInFlight = maxResumesInFlight;
        this.listener = listener;
    }

    /** How many commands wait for a reply, written or not yet written. */
    int pending() {
        return inFlight.size() + queued.size();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ClientCommand)) {
            ctx.write(msg, promise);
            return;
        }
        ClientCommand command = (ClientCommand) msg;
        if (protocol != Protocol.COMMANDS) {
            IllegalStateException e = new IllegalStateException(
                    command.verb() + " is not available on a raw connection");
            command.fail(e);
            promise.tryFailure(e);
            return;
        }
        if (queued.isEmpty() && fits(command)) {
            writeCommand(ctx, command, promise);
        } else {
            queued.add(new Queued(command, promise)); // behind the ones already waiting: commands keep their order
        }
    }

    /** Whether the command may be written now, within the limits on commands and resumes in flight. */
    private boolean fits(ClientCommand command) {
        return inFlight.size() < maxInFlight && (!command.resume() || resumesInFlight < maxResumesInFlight);
    }

    private void writeCommand(ChannelHandlerContext ctx, ClientCommand command, ChannelPromise promise) {
        inFlight.add(command);
        if (command.resume()) {
            resumesInFlight++;
        }
        ctx.write(command.encode(ctx.alloc(), framing), promise.unvoid()).addListener(written -> {
            if (!written.isSuccess()) {
                // the connection is broken: fail this command now, the rest when the channel goes inactive
                command.fail(new PushlineException("connection lost", written.cause()));
                ctx.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (protocol == Protocol.RAW) {
                deliver(Message.of(PushClient.RAW_TOPIC, ByteBufUtil.getBytes(frame)));
            } else if (Pushes.isPush(frame)) {
                deliverPush(frame);
            } else if (isServerPing(frame)) {
                // the server's heartbeat: answer at once, it is not a reply to any of our commands
                ctx.writeAndFlush(Frames.frame(ctx.alloc(), framing, PONG), ctx.voidPromise());
            } else if (frame.isReadable()) {
                reply(ctx, frame.toString(StandardCharsets.UTF_8));
            }
            // an empty frame on commands is no reply and no push: the server never sends one
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private static boolean isServerPing(ByteBuf frame) {
        int n = frame.readableBytes();
        int i = frame.readerIndex();
        return n >= 4 && frame.getByte(i) == 'P' && frame.getByte(i + 1) == 'I' && frame.getByte(i + 2) == 'N'
                && frame.getByte(i + 3) == 'G' && (n == 4 || frame.getByte(i + 4) == ' ');
    }

    private void deliverPush(ByteBuf frame) {
        Message message;
        try {
            message = Pushes.parsePush(frame);
        } catch (PushlineException e) {
            LOG.warn("{}: ignoring a push from the server: {}", name, e.getMessage());
            return;
        }
        deliver(message);
    }

    private void deliver(Message message) {
        try {
            listener.accept(message);
        } catch (RuntimeException e) {
            LOG.warn("{}: message listener failed on {}", name, message, e);
        }
    }

    private void reply(ChannelHandlerContext ctx, String reply) {
        if (isCloseNotice(reply)) {
            // the server closes the connection after this: it answers no command, and those in flight fail then
            closeNotice = reply;
            LOG.warn("{}: server error: {}", name, Pushes.abbreviate(reply));
            return;
        }
        ClientCommand command = inFlight.poll();
        if (command != null && command.resume()) {
            resumesInFlight--;
        }
        if (command == null) {
            if (reply.startsWith("-ERR")) {
                LOG.warn("{}: server error: {}", name, Pushes.abbreviate(reply));
            } else {
                LOG.warn("{}: ignoring a frame with no command pending: {}", name,
                        Pushes.abbreviate(reply));
            }
            return;
        }
        command.complete(reply);
        writeQueued(ctx);
    }

    private void writeQueued(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!queued.isEmpty() && fits(queued.peek().command)) {
            Queued q = queued.poll();
            writeCommand(ctx, q.command, q.promise);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    /** Fails every command waiting for a reply (written or not) with {@code cause}. */
    void failAll(Throwable cause) {
        for (ClientCommand command; (command = inFlight.poll()) != null; ) {
            command.fail(cause);
        }
        resumesInFlight = 0;
        for (Queued q; (q = queued.poll()) != null; ) {
            q.command.fail(cause);
            q.promise.tryFailure(cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(closeNotice == null ? new PushlineException("connection lost")
                : new PushlineException("connection lost", new PushlineException(closeNotice)));
        ctx.fireChannelInactive();
    }

    /** Whether a frame is one of the {@code -ERR} notices the server sends just before it closes the connection. */
    static boolean isCloseNotice(String frame) {
        if (!frame.startsWith("-ERR ")) {
            return false;
        }
        for (String reason : CLOSE_NOTICES) {
            if (frame.startsWith(reason, 5)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warn("{}: the server sent a frame longer than {} bytes; closing", name, framing.maxFrameLength());
        } else if (cause instanceof IOException) {
            LOG.debug("{}: connection error; closing", name, cause);
        } else {
            LOG.warn("{}: unexpected error; closing", name, cause);
        }
        ctx.close();
    }

    /** A command waiting for room in flight, with the promise of its write. */
    private static final class Queued {
        final ClientCommand command;
        final ChannelPromise promise;

        Queued(ClientCommand command, ChannelPromise promise) {
            this.command = command;
            this.promise = promise;
        }
    }
}
