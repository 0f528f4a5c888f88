package io.pushline.netty.client;

import io.netty.channel.Channel;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import io.pushline.netty.internal.Frames;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Java client for a {@link io.pushline.netty.PushServer}: connects, subscribes, receives pushes, and reconnects by itself.
 *
 * <pre>{@code
 * PushClient client = PushClient.builder()
 *         .host("push.example.com")
 *         .port(5567)
 *         .onMessage(message -> System.out.println(message.topic() + ": " + message.payloadLength() + " bytes"))
 *         .build();
 * client.subscribe("updates");              // remembered; sent as soon as the connection is up
 * client.connect().join();
 * client.publish("updates", "hello".getBytes(StandardCharsets.UTF_8)).join();
 * // ...
 * client.close();
 * }</pre>
 *
 * <p><b>Protocols.</b> On {@link Protocol#COMMANDS} (the default) every request method sends one command and
 * returns a future completed by the server's reply, matched in order: {@code +OK} completes it, and
 * {@code -ERR <reason>} fails it with a {@link PushlineException} whose message is the reason. Pushes
 * ({@code MSG <topic> <id> <payload>}) go to the {@link PushClientBuilder#onMessage(Consumer) message listener}. On
 * {@link Protocol#RAW} every frame the server sends goes to the listener as a message on {@link #RAW_TOPIC},
 * {@link #send(byte[])} sends a frame, and the command methods fail with {@link IllegalStateException}.
 *
 * <p><b>Subscriptions survive reconnects.</b> The client remembers the topics and patterns it was asked to
 * subscribe to (until they are unsubscribed, or the server refuses them for good) and sends {@code SUB}/{@code PSUB}
 * for all of them on every new connection, without user code; a topic with history is resumed where it stopped
 * (see below), so that a reconnect loses nothing the server still holds. A subscription is never dropped
 * silently. When the server answers with an error it may get over ({@code -ERR unavailable: ...} or
 * {@code -ERR subscribe failed: ...}: its broker did not confirm in time, or is down; {@code -ERR too many resumes
 * in progress ...} or {@code -ERR a resume of this topic is in progress}) the future fails, but the subscription
 * stays remembered with its position and is asked for again on the same connection after 1 s, then 2, 4, ... up
 * to 30 s between attempts, or at once on the next connection. Any other refusal ({@code -ERR forbidden}, a name
 * the server does not accept, its limit on subscriptions) is for good: the client forgets the subscription, logs
 * it at WARN and tells the {@link ResumeListener#refused resume listener}, also when it happens on a
 * re-subscription no caller waits for. The notice a server sends just before it closes a connection
 * ({@code -ERR disconnected: ...}, {@code -ERR server shutting down}, ...) is no refusal: the next connection
 * subscribes again. At most 16 resumes ({@code SUB ... FROM}/{@code LAST}, which make the server read history)
 * are in flight per connection, the server's limit; later commands wait for their replies, in order.
 * {@link #subscribe(String)} while disconnected is remembered and its future completes when that subscription is
 * confirmed on the next connection.
 * {@link #publish(String, byte[])} and {@link #ping()} while disconnected fail at once with
 * {@code PushlineException("not connected")}. When a connection drops, the futures of commands still waiting for
 * their reply fail with {@code PushlineException("connection lost")} (the subscriptions themselves stay remembered).
 *
 * <p><b>Positions and resuming.</b> On a topic with history (a server whose source keeps it) every message has a
 * {@link Message#position() position}, and the client remembers the last one it delivered per topic subscribed to
 * by name (and, before the first message, the top the server named on subscribing). On every reconnect it
 * subscribes such a topic with {@code SUB <topic> FROM <position>}: the server replays what was missed, then live
 * messages follow with no gap and no duplicate. On the live connection too, the client delivers each positioned
 * message at most once and in order: one at or before the last position is dropped, and one that does not follow
 * it (a gap left by a dropped connection on the server's side, its slow-consumer policy dropping messages, or a
 * new history) is held back while the client resumes the topic from its last position. The
 * {@link PushClientBuilder#onResume(ResumeListener) resume listener} hears of every replay
 * ({@link ResumeListener#recovered recovered}) and of every loss ({@link ResumeListener#lost lost}): when the
 * server no longer holds what was missed (its history was trimmed, expired or reset, or the client is further
 * behind than the server replays), when the server announces a gap it could not repair itself, or when a
 * message cannot reach the client even after a resume (a payload the framing cannot carry); the position then
 * moves on, and the app should reload what it derives from the topic. {@link #positions()} exports the positions
 * and {@link PushClientBuilder#positions(java.util.Map)} imports them, so that a restarted app resumes where the
 * last run stopped; {@link #subscribeLast(String, int)} starts a topic with its latest messages. Messages received
 * only through a pattern carry their position but are passed on as they come. Topics without history behave as
 * before: no positions, no resume.
 *
 * <pre>{@code
 * PushClient client = PushClient.builder()
 *         .positions(store.load())                  // where the last run stopped; empty the first time
 *         .onMessage(message -> orders.apply(message))
 *         .onResume(new ResumeListener() {
 *             @Override
 *             public void lost(String topic) {
 *                 orders.reload();                  // messages are missing: start again from the database
 *             }
 *         })
 *         .build();
 * client.subscribe("orders");                       // SUB orders FROM <saved position>, or SUB orders
 * client.connect();
 * // ... now and then, and before stopping, once the messages delivered so far are applied:
 * store.save(client.positions());
 * }</pre>
 *
 * <p><b>Reconnecting.</b> With a {@link ReconnectPolicy} other than {@link ReconnectPolicy#none()} (the default is
 * {@link ReconnectPolicy#DEFAULT}) a lost connection, or a failed attempt, is retried after an exponential
 * backoff with full jitter; the attempt counter starts again after each successful connection.
 *
 * <p><b>Argument errors</b> (an invalid topic, a payload line framing cannot carry, a frame over the limit) and
 * calls that make no sense on the protocol or after {@link #close()} fail the returned future with
 * {@link IllegalArgumentException} or {@link IllegalStateException}; only {@code null} arguments throw
 * ({@link NullPointerException}).
 *
 * <p><b>Threading.</b> Thread-safe: every method may be called from any thread. Each client runs on one event
 * loop thread: the listeners are called there, one at a time and in order, and the returned futures are completed
 * there, so dependent stages added without an executor also run there and must not block. Never wait for one of
 * these futures on that thread (in a listener, say): it would wait for itself.
 */
public final class PushClient implements AutoCloseable {
    /** The topic of every {@link Message} received on a {@link Protocol#RAW} connection: {@value}. */
    public static final String RAW_TOPIC = "raw";

    /**
     * The life of a client, reported in this order to the {@link PushClientBuilder#onStateChange(Consumer) state listener}.
     */
    public enum State {
        /** A connection attempt is under way. */
        CONNECTING,
        /**
         * The TCP connection is up (and, with {@link PushClientBuilder#auth(String)} on {@code commands}, the server accepted
         * the token). Remembered subscriptions have been written; their replies come later, like any other.
         */
        CONNECTED,
        /**
         * No connection: before {@link PushClient#connect()}, after a connection was lost or an attempt failed
         * (a new attempt follows when reconnecting is on).
         */
        DISCONNECTED,
        /** {@link PushClient#close()} was called; final. */
        CLOSED
    }

    private final String host;
    private final int port;
    private final Framing framing;
    private final Protocol protocol;
    private final ClientConnection connection;

    /** Called by {@link PushClientBuilder#build()}. */
    static PushClient create(PushClientBuilder b) {
        return new PushClient(b);
    }

    private PushClient(PushClientBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.framing = b.framing;
        this.protocol = b.protocol;
        this.connection = new ClientConnection(this, b, b.buildSslContext(), b.messageListener);
    }

    /**
     * Starts a builder with the defaults.
     *
     * @return a new builder
     */
    public static PushClientBuilder builder() {
        return new PushClientBuilder();
    }

    /**
     * Connects, unless connected or connecting already. With reconnecting on, failed attempts are retried and the
     * future completes on the first success (it stays incomplete while the server is unreachable; add a timeout
     * with {@link CompletableFuture#orTimeout}); with {@link ReconnectPolicy#none()} a failed attempt fails it
     * with a {@link PushlineException}, and {@code connect()} may be called again. While the client waits to
     * retry, calling {@code connect()} tries at once.
     *
     * @return a future completed with this client once connected; failed with {@link IllegalStateException} after
     *     {@link #close()}, and with a {@link PushlineException} when the client is closed before connecting
     */
    public CompletableFuture<PushClient> connect() {
        return connection.connect();
    }

    /**
     * Returns the client's state.
     *
     * @return the current state
     */
    public State state() {
        return connection.state();
    }

    /**
     * Returns why the last connection attempt failed (refused, timed out, TLS handshake failed, ...), for as long as
     * no connection is up: useful to say why a client keeps reconnecting. Thread-safe.
     *
     * @return the cause, or empty when the client is connected or no attempt failed yet
     */
    public Optional<Throwable> lastConnectFailure() {
        return Optional.ofNullable(connection.lastFailure());
    }

    /**
     * Returns the topics the client is subscribed to, or will subscribe to on its next connection.
     *
     * @return an immutable snapshot
     */
    public Set<String> topics() {
        return Set.copyOf(connection.subscriptions.topics);
    }

    /**
     * Returns the patterns the client is subscribed to, or will subscribe to on its next connection.
     *
     * @return an immutable snapshot
     */
    public Set<String> patterns() {
        return Set.copyOf(connection.subscriptions.patterns);
    }

    /**
     * Returns the position of the last message delivered on each topic with history subscribed to by name (or the
     * top the server named, before the first message), and the positions given to
     * {@link PushClientBuilder#positions(Map)} not used yet: what a new client needs to resume where this one
     * stopped. Save it after the messages it covers were processed.
     *
     * @return an immutable snapshot; empty when no topic has history
     */
    public Map<String, Position> positions() {
        return connection.positions.snapshot();
    }

    /**
     * Subscribes to a topic ({@code SUB}), now or, while disconnected, on the next connection. The topic is
     * remembered and subscribed again on every reconnect, until {@link #unsubscribe(String)} or until the server
     * refuses it for good (reported to {@link ResumeListener#refused}; an error the server may get over keeps it:
     * see "Subscriptions survive reconnects" above). When the client knows a position on the topic (from an earlier subscription, or
     * {@link PushClientBuilder#positions(Map)}), it resumes after it: {@code SUB <topic> FROM <position>}.
     *
     * @param topic a valid topic (see {@link Topics})
     * @return a future completed when the server confirmed the subscription; every message published after that
     *     reaches the listener (and, when resuming, every message after the position, or a
     *     {@link ResumeListener#lost lost} call)
     */
    public CompletableFuture<Void> subscribe(String topic) {
        return subscribe(topic, false, -1);
    }

    /**
     * Subscribes to a topic with history starting with its latest {@code count} messages
     * ({@code SUB <topic> LAST <count>}): they reach the listener first (announced by
     * {@link ResumeListener#recovered}), then live messages. The server may send fewer: what its history holds,
     * within its replay limits. Remembered like {@link #subscribe(String)}; once the client knows a position on the
     * topic (a reconnect, or a position given to {@link PushClientBuilder#positions(Map)}) it resumes from it
     * instead, so that no message is delivered twice. On a topic without history it is {@link #subscribe(String)}.
     *
     * @param topic a valid topic (see {@link Topics})
     * @param count how many of the latest messages to start with, 0 or more
     * @return a future completed when the server confirmed the subscription
     */
    public CompletableFuture<Void> subscribeLast(String topic, int count) {
        if (count < 0) {
            Objects.requireNonNull(topic, "topic");
            return CompletableFuture.failedFuture(new IllegalArgumentException("count: " + count
                    + " (expected: >= 0)"));
        }
        return subscribe(topic, false, count);
    }

    /**
     * Subscribes to a Redis glob pattern ({@code PSUB}), for example {@code news.*}; messages arrive with their
     * concrete topic. Remembered like {@link #subscribe(String)}.
     *
     * @param pattern a valid pattern (same rules as a topic, see {@link Topics})
     * @return a future completed when the server confirmed the subscription
     */
    public CompletableFuture<Void> psubscribe(String pattern) {
        return subscribe(pattern, true, -1);
    }

    /**
     * Unsubscribes from a topic ({@code UNSUB}) and forgets it, and its position. While disconnected the future
     * completes at once (the next connection simply does not subscribe it), and a {@link #subscribe(String)} still waiting for a
     * connection fails.
     *
     * @param topic a valid topic (see {@link Topics})
     * @return a future completed when the server confirmed, or at once while disconnected
     */
    public CompletableFuture<Void> unsubscribe(String topic) {
        return unsubscribe(topic, false);
    }

    /**
     * Unsubscribes from a pattern ({@code PUNSUB}) and forgets it; see {@link #unsubscribe(String)}.
     *
     * @param pattern a valid pattern (see {@link Topics})
     * @return a future completed when the server confirmed, or at once while disconnected
     */
    public CompletableFuture<Void> punsubscribe(String pattern) {
        return unsubscribe(pattern, true);
    }

    /**
     * Publishes a message through the server ({@code PUB}). The server must allow client publishing; otherwise
     * the future fails with {@code PushlineException("forbidden")}.
     *
     * @param topic a valid topic (see {@link Topics})
     * @param payload the payload bytes, copied; on line framing they must not contain CR or LF
     * @return a future completed when the server accepted the message; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        CompletableFuture<Void> invalid = checkName(topic, false, "publish");
        if (invalid != null) {
            return invalid;
        }
        return request(ClientCommand.ok("PUB", ClientCommand.utf8(topic), payload.clone()), reply -> null);
    }

    /**
     * Sends {@code PING}.
     *
     * @return a future completed with the text of the server's {@code PONG}: {@code ""}; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<String> ping() {
        return ping(ClientCommand.pong("PING"));
    }

    /**
     * Sends {@code PING <text>}.
     *
     * @param text the text the server echoes; on line framing it must not contain CR or LF
     * @return a future completed with the text of the server's {@code PONG}; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<String> ping(String text) {
        Objects.requireNonNull(text, "text");
        return ping(ClientCommand.pong("PING", ClientCommand.utf8(text)));
    }

    private CompletableFuture<String> ping(ClientCommand command) {
        String problem = commandsOnly("ping");
        return problem != null ? CompletableFuture.failedFuture(new IllegalStateException(problem))
                : request(command, Function.identity());
    }

    /**
     * Sends one raw frame; only on a {@link Protocol#RAW} connection (on {@code commands} every frame is a
     * command: use {@link #publish(String, byte[])}).
     *
     * @param frame the frame's bytes, copied; on line framing they must not contain CR or LF
     * @return a future completed when the frame was written to the socket; failed with
     *     {@code PushlineException("not connected")} at once while disconnected
     */
    public CompletableFuture<Void> send(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        if (protocol != Protocol.RAW) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "send is only available on a raw connection; on commands use publish"));
        }
        String problem = frameProblem(frame.length, Frames.containsLineBreak(frame));
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(problem));
        }
        return connection.send(frame.clone());
    }

    /**
     * Closes the client without waiting: stops reconnecting, fails every waiting future with
     * {@code PushlineException("client closed")}, closes the connection, reports {@link State#CLOSED}, and shuts
     * down the event loop group when the client created it. Idempotent.
     *
     * @return a future completed when everything is closed; every call returns the same future
     */
    public CompletableFuture<Void> closeAsync() {
        return connection.closeAsync();
    }

    /**
     * Closes the client (see {@link #closeAsync()}) and waits up to 5 seconds for it. Idempotent; throws nothing
     * checked. Called on the client's own event loop (from a listener, say) it does not wait.
     */
    @Override
    public void close() {
        connection.close();
    }

    /** The current connection, read on the client's loop (tests look at its pipeline); null when there is none. */
    Channel currentChannel() {
        return connection.currentChannel();
    }

    /** Returns the server address, the protocol and the framing. */
    @Override
    public String toString() {
        return "PushClient[" + host + ":" + port + ", " + protocol + ", " + framing + "]";
    }

    // ---- checks, on the caller's thread; then the connection does the rest on the loop

    private CompletableFuture<Void> subscribe(String name, boolean pattern, int last) {
        CompletableFuture<Void> invalid = checkName(name, pattern, pattern ? "psubscribe" : "subscribe");
        return invalid != null ? invalid : connection.subscriptions.subscribe(name, pattern, last);
    }

    private CompletableFuture<Void> unsubscribe(String name, boolean pattern) {
        CompletableFuture<Void> invalid = checkName(name, pattern, pattern ? "punsubscribe" : "unsubscribe");
        return invalid != null ? invalid : connection.subscriptions.unsubscribe(name, pattern);
    }

    private <T> CompletableFuture<T> request(ClientCommand command, Function<String, T> result) {
        String problem = frameProblem(command.frameLength(), command.containsLineBreak());
        return problem != null ? CompletableFuture.failedFuture(new IllegalArgumentException(problem))
                : connection.request(command, result);
    }

    private String commandsOnly(String method) {
        return protocol == Protocol.COMMANDS ? null : method + " is not available on a raw connection";
    }

    private String frameProblem(int length, boolean lineBreak) {
        if (framing.kind() == Framing.Kind.LINES && lineBreak) {
            return "payload contains CR or LF, which line framing cannot carry (use Framing.lengthPrefixed())";
        }
        if (length > framing.maxFrameLength()) {
            return "frame too long: " + length + " bytes (expected: <= " + framing.maxFrameLength() + ")";
        }
        return null;
    }

    /** Returns a failed future when the call is not for this protocol or the name is invalid, else null. */
    private <T> CompletableFuture<T> checkName(String name, boolean pattern, String method) {
        String what = pattern ? "pattern" : "topic";
        Objects.requireNonNull(name, what);
        String problem = commandsOnly(method);
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(problem));
        }
        problem = Topics.problem(name, what);
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(Checks.describe(what, name, problem)));
        }
        return null;
    }
}
