package io.pushline.netty.client;

import io.pushline.Message;
import io.pushline.Position;
import io.pushline.PushlineException;
import io.pushline.internal.LogText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of resuming: per topic subscribed by name, the position of the last message delivered, and the
 * {@code SUB} commands that keep each topic's stream whole.
 *
 * <p>Every push passes through {@link #accept(Message)} on its way to the message listener. A positioned message of
 * a topic the client subscribed to by name and knows a position of (from the server's {@code +OK <top>}, from an
 * earlier message, or given by the app) is delivered only when it follows the last one; at or before it, it is
 * a duplicate and dropped; past it (an offset gap, or another epoch) it is a jump: it is dropped and the topic is
 * resumed on the live connection ({@code SUB <topic> FROM <last>}), and until the reply arrives the topic's
 * positioned messages are dropped (what comes after the last position is in the replay). A jump that shows up
 * again, unchanged, right after a resume from the same position recovered is accepted and reported as a loss
 * instead of resumed again. The server's notice {@code MSG $lost <position> <topic>} moves the topic's position
 * and is reported as a loss. Unpositioned messages, and messages of topics received only through patterns, pass
 * untouched.
 *
 * <p>The positions map is written on the client's event loop and read from any thread; everything else is
 * confined to the loop.
 */
final class TopicPositions implements Consumer<Message> {
    /** The topic of the server's notice that messages of a topic were lost. */
    static final String LOST_TOPIC = "$lost";

    private static final Logger LOG = LoggerFactory.getLogger(PushClient.class);
    private static final byte[] FROM = ClientCommand.utf8("FROM");
    private static final byte[] LAST = ClientCommand.utf8("LAST");

    private final ClientConnection connection;
    /** The topics subscribed to by name: the ones whose positions are kept. */
    private final Set<String> topics;
    private final Consumer<Message> listener;
    private final ResumeListener resumeListener;
    /** The position of the last message delivered (or the top the server named), per topic. */
    private final Map<String, Position> last = new ConcurrentHashMap<>();
    // the rest is confined to the loop
    /** The subscription command of each topic waiting for its reply on the current connection. */
    private final Map<String, Resume> inFlight = new HashMap<>();
    /** Per topic: the jump that a resume which recovered was asked for, until the topic moves on. */
    private final Map<String, Jump> recoveredJumps = new HashMap<>();
    /** Per topic without a position: how many recent messages {@code SUB ... LAST} asks for. */
    private final Map<String, Integer> lastCounts = new HashMap<>();

    TopicPositions(ClientConnection connection, Set<String> topics, Consumer<Message> listener,
            ResumeListener resumeListener, Map<String, Position> initial) {
        this.connection = connection;
        this.topics = topics;
        this.listener = listener;
        this.resumeListener = resumeListener;
        this.last.putAll(initial);
    }

    /** A snapshot of the known positions; any thread. */
    Map<String, Position> snapshot() {
        return Map.copyOf(last);
    }

    // ---- subscription commands, on the loop

    /** Whether a subscription command of the topic waits for its reply. */
    boolean inFlight(String topic) {
        return inFlight.containsKey(topic);
    }

    /** Completes {@code future} with the reply to the topic's subscription command in flight. */
    void join(String topic, CompletableFuture<Void> future) {
        inFlight.get(topic).joiners.add(future);
    }

    /** Asks for the latest {@code count} messages on the topic's next subscription, unless it has a position. */
    void wantLast(String topic, int count) {
        if (!last.containsKey(topic)) {
            lastCounts.put(topic, count);
        }
    }

    /**
     * The topic was unsubscribed or refused: its position is forgotten, and a command in flight no longer counts
     * (its reply changes nothing; a new subscription sends its own).
     */
    void forget(String topic) {
        Resume resume = inFlight.remove(topic);
        if (resume != null) {
            ClientCommand.failAll(resume.joiners, new PushlineException("unsubscribed"));
        }
        last.remove(topic);
        lastCounts.remove(topic);
        recoveredJumps.remove(topic);
    }

    /**
     * Makes the topic's subscription command for the connected channel: {@code SUB <topic> FROM <last>} when it has
     * a position, {@code SUB <topic> LAST <n>} when asked for, else {@code SUB <topic>}; the topic counts as in
     * flight until {@link #replied} is called with it. The caller writes it.
     */
    ClientCommand subscribeCommand(String topic) {
        Position from = last.get(topic);
        Integer count = from == null ? lastCounts.get(topic) : null;
        byte[] name = ClientCommand.utf8(topic);
        ClientCommand command = from != null ? ClientCommand.sub(name, FROM, ClientCommand.utf8(from.toString()))
                : count != null ? ClientCommand.sub(name, LAST, ClientCommand.utf8(count.toString()))
                : ClientCommand.sub(name);
        begin(topic, new Resume(command, from, null));
        return command;
    }

    private void begin(String topic, Resume resume) {
        Resume stale = inFlight.put(topic, resume);
        if (stale != null) { // not expected: every command's reply or failure ends it first
            ClientCommand.failAll(stale.joiners, new PushlineException("superseded"));
        }
    }

    /**
     * The reply (or failure) of a topic's subscription command: ends its flight, moves its position, tells the
     * resume listener, and completes the futures that joined it. Runs before anything else hears of the reply.
     */
    void replied(String topic, ClientCommand command, String reply, Throwable error) {
        Resume resume = inFlight.get(topic);
        if (resume == null || resume.command != command) {
            return;
        }
        inFlight.remove(topic);
        if (error != null) {
            ClientCommand.failAll(resume.joiners, error);
            return;
        }
        if (topics.contains(topic)) { // else unsubscribed meanwhile
            apply(topic, resume, reply);
        }
        resume.joiners.forEach(f -> f.complete(null));
    }

    private void apply(String topic, Resume resume, String reply) {
        if (reply.isEmpty()) { // +OK: the topic has no history
            last.remove(topic);
            lastCounts.remove(topic);
            recoveredJumps.remove(topic);
            return;
        }
        String[] words = reply.split(" ", -1);
        Position top = Position.parse(words[0]).orElse(null);
        int count = words.length == 3 && words[1].equals("RECOVERED") ? count(words[2]) : -1;
        boolean lost = words.length == 2 && words[1].equals("LOST");
        if (top == null || (words.length > 1 && count < 0 && !lost)) {
            LOG.warn("{}: unexpected reply to SUB {}: {}", connection, LogText.escape(topic),
                    LogText.escape(Pushes.abbreviate(reply)));
            return;
        }
        lastCounts.remove(topic);
        recoveredJumps.remove(topic);
        if (lost) {
            last.put(topic, top);
            LOG.info("{}: topic {}: messages after {} could not be recovered; going on from {}", connection,
                    LogText.escape(topic), resume.from, top);
            lost(topic);
        } else if (count >= 0) {
            if (resume.from != null) {
                last.put(topic, resume.from); // the replay follows it
                if (resume.jumpTo != null) {
                    recoveredJumps.put(topic, new Jump(resume.from, resume.jumpTo));
                }
            } else {
                last.put(topic, Position.of(Math.max(0, top.offset() - count), top.epoch()));
            }
            LOG.debug("{}: topic {}: {} messages recovered after {}", connection, LogText.escape(topic), count,
                    resume.from);
            notify(topic, count);
        } else {
            last.put(topic, top);
        }
    }

    private static int count(String word) {
        if (word.isEmpty() || word.length() > 9) {
            return -1;
        }
        for (int i = 0; i < word.length(); i++) {
            if (word.charAt(i) < '0' || word.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(word);
    }

    // ---- pushes, on the loop

    /** Every push, on its way to the message listener. */
    @Override
    public void accept(Message message) {
        Position p = message.position();
        String topic = message.topic();
        if (p == null || !topics.contains(topic)) {
            if (p != null && LOST_TOPIC.equals(topic)) {
                lostNotice(new String(message.payload(), StandardCharsets.UTF_8), p);
            } else {
                deliver(message);
            }
            return;
        }
        Position previous = last.get(topic);
        if (previous == null) {
            deliver(message); // the server named no position for it: a topic without history
            return;
        }
        if (inFlight.containsKey(topic)) {
            return; // at or before the reply's top: in the replay when after the last position
        }
        if (p.follows(previous)) {
            last.put(topic, p);
            recoveredJumps.remove(topic);
            deliver(message);
        } else if (p.sameEpoch(previous) && p.offset() <= previous.offset()) {
            LOG.trace("{}: dropped {} of {}: delivered already", connection, p, topic);
        } else if (new Jump(previous, p).equals(recoveredJumps.get(topic))) {
            // a resume from here recovered, and the same message came next again: what lies between will not
            // come; take it as lost instead of asking forever
            recoveredJumps.remove(topic);
            LOG.warn("{}: topic {}: a resume from {} did not bring what lies before {}; going on from there",
                    connection, LogText.escape(topic), previous, p);
            last.put(topic, p);
            lost(topic);
            deliver(message);
        } else if (connection.subscriptions.retrying(topic)) {
            LOG.trace("{}: dropped {} of {}: a resume from {} is asked for again soon", connection, p, topic, previous);
        } else if (connection.isConnected()) {
            LOG.debug("{}: topic {}: {} after {}; resuming", connection, LogText.escape(topic), p, previous);
            resume(topic, previous, p);
        }
        // else not connected yet (authenticating): the next subscription resumes from the last position
    }

    private void resume(String topic, Position from, Position jumpTo) {
        ClientCommand command = ClientCommand.sub(ClientCommand.utf8(topic), FROM,
                ClientCommand.utf8(from.toString()));
        begin(topic, new Resume(command, from, jumpTo));
        command.future().whenComplete((reply, error) -> {
            replied(topic, command, reply, error);
            if (error != null && command.refused()) {
                // the server still holds the topic: asked again in a moment, or dropped for good and reported
                connection.subscriptions.refused(topic, false, command, error.getMessage(), true);
            }
        });
        connection.write(command);
        connection.channel().flush();
    }

    /** {@code MSG $lost <position> <topic>}: live messages of the topic go on after the position. */
    private void lostNotice(String topic, Position continueFrom) {
        if (inFlight.containsKey(topic)) {
            return; // the reply decides; a hole after its top shows as a jump
        }
        if (topics.contains(topic)) {
            Position previous = last.get(topic);
            if (previous != null && continueFrom.sameEpoch(previous) && continueFrom.offset() <= previous.offset()) {
                return; // this client has everything up to there already
            }
            last.put(topic, continueFrom);
            recoveredJumps.remove(topic);
        }
        LOG.info("{}: the server lost messages of topic {}; going on from {}", connection, LogText.escape(topic),
                continueFrom);
        lost(topic);
    }

    private void deliver(Message message) {
        try {
            listener.accept(message);
        } catch (RuntimeException e) {
            LOG.warn("{}: message listener failed on {}", connection, message, e);
        }
    }

    private void notify(String topic, int count) {
        try {
            resumeListener.recovered(topic, count);
        } catch (RuntimeException e) {
            LOG.warn("{}: resume listener failed on recovered({}, {})", connection, LogText.escape(topic), count, e);
        }
    }

    /** The server refused a subscription for good: the client forgot it. */
    void refused(String name, boolean pattern, String reason) {
        try {
            resumeListener.refused(name, pattern, reason);
        } catch (RuntimeException e) {
            LOG.warn("{}: resume listener failed on refused({})", connection, LogText.escape(name), e);
        }
    }

    private void lost(String topic) {
        try {
            resumeListener.lost(topic);
        } catch (RuntimeException e) {
            LOG.warn("{}: resume listener failed on lost({})", connection, LogText.escape(topic), e);
        }
    }

    /** A subscription command in flight: what it resumes from, the jump that caused it, who else waits for it. */
    private static final class Resume {
        final ClientCommand command;
        final Position from;
        final Position jumpTo;
        final List<CompletableFuture<Void>> joiners = new ArrayList<>(0);

        Resume(ClientCommand command, Position from, Position jumpTo) {
            this.command = command;
            this.from = from;
            this.jumpTo = jumpTo;
        }
    }

    /** A message at {@code to} arrived when the last position was {@code from}. */
    private record Jump(Position from, Position to) {
    }
}
