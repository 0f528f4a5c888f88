package io.pushline.netty.client;

import io.netty.channel.Channel;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link PushClient} remembers to subscribe, and the subscriptions' commands: {@code SUB}/{@code PSUB} now or
 * on the next connection, again after every reconnect, again a moment after a {@code -ERR unavailable}, and
 * forgotten after a refusal. A topic's {@code SUB} is made by {@link TopicPositions} (which resumes from the
 * topic's last position), and a subscription of a topic whose command waits for its reply joins that command. The
 * remembered sets are changed by callers' threads; the rest runs on the client's event loop.
 */
final class ClientSubscriptions {
    private static final Logger LOG = LoggerFactory.getLogger(PushClient.class);

    /** The desired subscriptions: changed by the calling thread, read on the loop at every (re)connect. */
    final Set<String> topics = ConcurrentHashMap.newKeySet();
    final Set<String> patterns = ConcurrentHashMap.newKeySet();
    private final ClientConnection connection;
    /** On the loop: futures of subscriptions made while disconnected, completed by the next connection's reply. */
    private final Map<String, List<CompletableFuture<Void>>> waitingTopics = new HashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> waitingPatterns = new HashMap<>();

    ClientSubscriptions(ClientConnection connection) {
        this.connection = connection;
    }

    /**
     * Subscribes a topic or pattern; {@code last} is how many recent messages a topic without a position asks for
     * ({@code SUB ... LAST}), or -1.
     */
    CompletableFuture<Void> subscribe(String name, boolean pattern, int last) {
        names(pattern).add(name);
        CompletableFuture<Void> result = new CompletableFuture<>();
        connection.execute(result, () -> {
            if (last >= 0 && names(pattern).contains(name)) {
                connection.positions.wantLast(name, last);
            }
            if (connection.isConnected() && !pattern && connection.positions.inFlight(name)) {
                connection.positions.join(name, result); // one command at a time per topic: its reply is ours
            } else if (connection.isConnected()) {
                sendSubscribe(name, pattern, List.of(result));
                connection.channel().flush();
            } else if (!names(pattern).contains(name)) {
                // unsubscribed from another thread in the meantime
                result.completeExceptionally(new PushlineException("unsubscribed before the subscription was sent"));
            } else {
                waiting(pattern).computeIfAbsent(name, k -> new ArrayList<>())
                        .add(result);
            }
        });
        return result;
    }

    CompletableFuture<Void> unsubscribe(String name, boolean pattern) {
        names(pattern).remove(name);
        CompletableFuture<Void> result = new CompletableFuture<>();
        connection.execute(result, () -> {
            if (!pattern && !topics.contains(name)) {
                connection.positions.forget(name);
            }
            List<CompletableFuture<Void>> waiting = waiting(pattern).remove(name);
            if (waiting != null) {
                ClientCommand.failAll(waiting, new PushlineException("unsubscribed before the subscription was sent"));
            }
            if (connection.isConnected()) {
                ClientCommand command = ClientCommand.ok(pattern ? "PUNSUB" : "UNSUB", ClientCommand.utf8(name));
                ClientCommand.link(command.future(), result, reply -> null);
                connection.write(command);
                connection.channel().flush();
            } else {
                result.complete(null);
            }
        });
        return result;
    }

    /** On the loop, connected: writes SUB/PSUB (no flush) and completes {@code targets} with its reply. */
    private void sendSubscribe(String name, boolean pattern, List<CompletableFuture<Void>> targets) {
        ClientCommand command = pattern ? ClientCommand.ok("PSUB", ClientCommand.utf8(name))
                : connection.positions.subscribeCommand(name);
        command.future().whenComplete((reply, error) -> {
            if (!pattern) {
                connection.positions.replied(name, command, reply, error); // first: positions before futures
            }
            if (error == null) {
                targets.forEach(f -> f.complete(null));
                return;
            }
            if (command.refused() && error.getMessage() != null && error.getMessage().startsWith("unavailable")) {
                // the server's broker did not answer in time: keep it, and ask again in a moment
                Channel sentOn = connection.channel();
                connection.loop().schedule(() -> {
                    if (connection.channel() == sentOn && connection.isConnected()
                            && names(pattern).contains(name) && (pattern || !connection.positions.inFlight(name))) {
                        sendSubscribe(name, pattern, List.of());
                        connection.channel().flush();
                    }
                }, ClientConnection.RESUBSCRIBE_DELAY.toNanos(), TimeUnit.NANOSECONDS);
                LOG.debug("{}: {} {} not confirmed yet ({}); asking again in {}", connection, command.verb(), name,
                        error.getMessage(), ClientConnection.RESUBSCRIBE_DELAY);
            } else if (command.refused()) {
                // the server will not have it: forget it, so that reconnects do not ask again
                names(pattern).remove(name);
                if (!pattern) {
                    connection.positions.forget(name);
                }
                if (targets.isEmpty()) {
                    LOG.warn("{}: server refused {} {}: {}", connection, command.verb(), name, error.getMessage());
                }
            }
            ClientCommand.failAll(targets, error);
        });
        connection.write(command);
    }

    /** Sends SUB and PSUB for every remembered subscription, completing the futures waiting for a connection. */
    void resubscribe() {
        if (connection.protocol() != Protocol.COMMANDS) {
            return;
        }
        int sent = 0;
        for (String topic : topics) {
            List<CompletableFuture<Void>> waiting = waitingTopics.remove(topic);
            sendSubscribe(topic, false, waiting == null ? List.of() : waiting);
            sent++;
        }
        for (String pattern : patterns) {
            List<CompletableFuture<Void>> waiting = waitingPatterns.remove(pattern);
            sendSubscribe(pattern, true, waiting == null ? List.of() : waiting);
            sent++;
        }
        // left over: unsubscribed from another thread while their subscribe call was on its way to the loop
        failWaiting(new PushlineException("unsubscribed before the subscription was sent"));
        if (sent > 0) {
            connection.channel().flush();
            LOG.debug("{}: subscribed {} remembered topics and patterns", connection, sent);
        }
    }

    /** The remembered topics, or patterns. */
    private Set<String> names(boolean pattern) {
        return pattern ? patterns : topics;
    }

    /** On the loop: the futures waiting for a connection, of topics or of patterns. */
    private Map<String, List<CompletableFuture<Void>>> waiting(boolean pattern) {
        return pattern ? waitingPatterns : waitingTopics;
    }

    /** On the loop, when the client closes or after a re-subscription: fails what still waits for a connection. */
    void failWaiting(Throwable cause) {
        waitingTopics.values().forEach(waiting -> ClientCommand.failAll(waiting, cause));
        waitingTopics.clear();
        waitingPatterns.values().forEach(waiting -> ClientCommand.failAll(waiting, cause));
        waitingPatterns.clear();
    }
}
