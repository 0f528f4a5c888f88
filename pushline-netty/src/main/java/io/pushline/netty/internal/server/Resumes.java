package io.pushline.netty.internal.server;

import static io.pushline.netty.internal.server.CommandsProtocolHandler.ascii;
import static io.pushline.netty.internal.server.CommandsProtocolHandler.rootMessage;

import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Position;
import io.pushline.ResumeOutcome;
import io.pushline.SlowConsumerPolicy;
import io.pushline.internal.LogText;
import io.pushline.netty.ServerLimits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SUB} on a topic with history, for one {@code commands} connection: {@code SUB <topic>} answers
 * {@code +OK <top>}; {@code SUB <topic> FROM <position>} replays what the client missed ({@code +OK <top>
 * RECOVERED <n>} then the {@code n} messages) or says it cannot ({@code +OK <top> LOST}); {@code SUB <topic> LAST
 * <n>} replays the latest messages. Then live messages follow with no gap and no duplicate: from the moment of the
 * {@code SUB} the topic's live messages for this client are held, and once the history is read, the reply, the
 * replay, and the held messages after the history's top are written one after the other.
 *
 * <p>Everything here runs on the connection's event loop.
 */
final class Resumes {
    private static final Logger LOG = LoggerFactory.getLogger(Resumes.class);
    /** The most history reads one connection may have in flight; each costs the broker a read. */
    static final int MAX_IN_FLIGHT = 16;

    private final CommandsProtocolHandler handler;
    /** History reads in flight for this connection. */
    private int inFlight;
    private final ServerContext server;
    private final NettyClient client;

    Resumes(CommandsProtocolHandler handler, ServerContext server, NettyClient client) {
        this.handler = handler;
        this.server = server;
        this.client = client;
    }

    /**
     * Subscribes (or, when {@code already}, re-reads) a topic with history. {@code option} is null, {@code FROM} or
     * {@code LAST}, with its {@code value}. The caller checked the name, the grants and the limits.
     */
    void subscribe(String topic, boolean already, String option, String value) {
        ServerLimits limits = server.config().limits();
        Position from = null;
        HistoryQuery query = HistoryQuery.latest(0);
        if ("LAST".equals(option)) {
            int n = parseCount(value);
            if (n < 0) {
                handler.error("wrong arguments for 'SUB' (expected: LAST <n> with n >= 0)");
                return;
            }
            query = HistoryQuery.latest(Math.min(n, limits.maxReplayMessages()));
        } else if ("FROM".equals(option)) {
            from = Position.parse(value).orElse(null); // malformed: LOST, never an error that strands a client
            if (from != null) {
                query = HistoryQuery.since(from.offset(), limits.maxReplayMessages());
            }
        }
        if (inFlight >= MAX_IN_FLIGHT) {
            handler.error("too many resumes in progress (at most " + MAX_IN_FLIGHT + "): wait for their replies");
            return;
        }
        inFlight++;
        if (already && option == null) {
            topOnly(topic);
            return;
        }
        if (client.holds().holding(topic)) {
            inFlight--;
            handler.error("a resume of this topic is in progress");
            return;
        }
        Holds.Hold hold = client.holds().begin(topic, server.config().maxQueuedBytes());
        CompletableFuture<Void> confirmed;
        if (already) {
            confirmed = CompletableFuture.completedFuture(null);
        } else {
            client.held().topics.add(topic);
            confirmed = server.subscriptions().subscribe(client, topic);
        }
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        CommandsProtocolHandler.Pending slot = handler.enqueue(reply);
        HistoryQuery q = query;
        // the read must be sent after the client joined the live stream: it may share only a read sent after this
        long ticket = server.reads().ticket();
        CompletableFuture<Replay> read = confirmed.thenCompose(ok -> server.reads().read(topic, q, ticket));
        Position asked = from;
        long timeoutNanos = server.config().brokerTimeout().toNanos();
        ScheduledFuture<?> timeout = handler.ctx().executor().schedule(() -> {
            if (!reply.isDone()) {
                LOG.warn("{}: SUB {} timed out ({})", client, LogText.escape(topic), confirmed.isDone()
                        ? "the history read did not answer" : "the broker did not confirm the subscription");
                failed(topic, already, hold, slot, reply, "-ERR unavailable: the broker did not answer within "
                        + server.config().brokerTimeout().toMillis() + " ms");
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        read.whenComplete((replay, error) -> handler.onLoop(() -> {
            inFlight--;
            timeout.cancel(false);
            if (reply.isDone()) {
                return; // timed out before: already answered
            }
            if (error != null) {
                failed(topic, already, hold, slot, reply, (confirmed.isCompletedExceptionally()
                        ? "-ERR subscribe failed: " : "-ERR unavailable: history read failed: ") + rootMessage(error));
                return;
            }
            answer(option, asked, replay, hold, slot, reply);
        }));
    }

    /** A topic the client holds already, plain {@code SUB}: the live stream goes on untouched; the reply names the top. */
    private void topOnly(String topic) {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        handler.enqueue(reply);
        server.reads().read(topic, HistoryQuery.latest(0), server.reads().ticket())
                .orTimeout(server.config().brokerTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((replay, error) -> handler.onLoop(() -> inFlight--))
                .whenComplete((replay, error) -> reply.complete(error != null
                        ? ascii("-ERR unavailable: history read failed: " + rootMessage(error))
                        : ascii("+OK " + replay.read.top())));
    }

    private void answer(String option, Position from, Replay replay, Holds.Hold hold,
            CommandsProtocolHandler.Pending slot, CompletableFuture<byte[]> reply) {
        HistoryRead read = replay.read;
        Position top = read.top();
        int size = read.messages().size();
        int start = size;
        String text;
        ServerLimits limits = server.config().limits();
        if ("LAST".equals(option)) {
            start = 0;
            while (start < size && replay.payloadBytes(start) > limits.maxReplayBytes()) {
                start++; // the most recent that fit
            }
            text = "+OK " + top + " RECOVERED " + replay.sendable(server.config().framing(), start);
        } else if ("FROM".equals(option)) {
            ResumeOutcome outcome = outcome(from, replay, hold);
            server.metrics().resumed(outcome);
            if (outcome == ResumeOutcome.RECOVERED) {
                start = read.firstAfter(from.offset());
                text = "+OK " + top + " RECOVERED " + replay.sendable(server.config().framing(), start);
            } else {
                text = "+OK " + top + " LOST";
            }
        } else {
            text = "+OK " + top;
        }
        int first = start;
        slot.afterWrite = () -> client.endHold(hold, replay, first, top);
        reply.complete(ascii(text));
    }

    private ResumeOutcome outcome(Position from, Replay replay, Holds.Hold hold) {
        HistoryRead read = replay.read;
        Position top = read.top();
        ServerLimits limits = server.config().limits();
        if (from == null || !from.sameEpoch(top) || from.offset() > top.offset()) {
            return ResumeOutcome.LOST_EPOCH;
        }
        if (top.offset() - from.offset() > limits.maxReplayMessages()) {
            return ResumeOutcome.LOST_TOO_FAR;
        }
        if (!read.recoversFrom(from)) {
            return ResumeOutcome.LOST_TRIMMED;
        }
        if (replay.payloadBytes(read.firstAfter(from.offset())) > limits.maxReplayBytes()) {
            return ResumeOutcome.LOST_TOO_FAR;
        }
        if (hold.overflowed && server.config().slowConsumerPolicy() == SlowConsumerPolicy.DROP) {
            return ResumeOutcome.LOST_OVERFLOW;
        }
        return ResumeOutcome.RECOVERED;
    }

    /**
     * The subscription or the read failed: a new subscription is rolled back (the client may try again); on a topic
     * the client held already, the live messages held meanwhile are written as they are after the error.
     */
    private void failed(String topic, boolean already, Holds.Hold hold, CommandsProtocolHandler.Pending slot,
            CompletableFuture<byte[]> reply, String error) {
        if (already) {
            slot.afterWrite = () -> client.endHold(hold, null, 0, null);
        } else {
            client.holds().end(hold);
            handler.unsubscribeNow(topic, false);
        }
        reply.complete(ascii(error));
    }

    private static int parseCount(String value) {
        if (value.isEmpty() || value.length() > 9) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(value);
    }
}
