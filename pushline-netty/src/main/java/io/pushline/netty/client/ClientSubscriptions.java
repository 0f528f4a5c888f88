package io.pushline.netty.client;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.internal.LogText;
import java.time.Duration;
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
 * on the next connection, and again after every reconnect. A topic's {@code SUB} is made by {@link TopicPositions}
 * (which resumes from the topic's last position), and a subscription of a topic whose command waits for its reply
 * joins that command.
 *
 * <p>A subscription is never dropped silently. A connection lost before the reply leaves it to the next connection.
 * A {@link #isTransient transient} refusal (the broker did not answer, the server reads too many histories at
 * once, ...) keeps it, with its position, and asks again on the same connection after a backoff that doubles from
 * {@link #RETRY_DELAY} up to {@link #MAX_RETRY_DELAY} (a reconnect asks at once). Any other refusal (forbidden, a
 * name the server does not accept, a limit) is for good: the subscription is forgotten, logged at WARN and
 * reported to {@link ResumeListener#refused}. The remembered sets are changed by callers' threads; the rest runs on
 * the client's event loop.
 */
final class ClientSubscriptions {
    /** How long after a first transient refusal a subscription is asked for again. */
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    /** The longest wait between two attempts after transient refusals in a row. */
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(PushClient.class);
    /**
     * The reasons, by prefix, of the refusals the server may get over: its broker did not answer in time, or refused
     * (it may be down), or the server is busy reading histories for this connection or for this topic.
     */
    private static final List<String> TRANSIENT = List.of("unavailable", "subscribe failed",
            "too many resumes in progress", "a resume of this topic is in progress");

    /** The desired subscriptions: changed by the calling thread, read on the loop at every (re)connect. */
    final Set<String> topics = ConcurrentHashMap.newKeySet();
    final Set<String> patterns = ConcurrentHashMap.newKeySet();
    private final ClientConnection connection;
    /** On the loop: futures of subscriptions made while disconnected, completed by the next connection's reply. */
    private final Map<String, List<CompletableFuture<Void>>> waitingTopics = new HashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> waitingPatterns = new HashMap<>();
    /** On the loop: the topics, and the patterns, refused for a while: when to ask again. */
    private final Map<String, Retry> topicRetries = new HashMap<>();
    private final Map<String, Retry> patternRetries = new HashMap<>();

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
            if (!names(pattern).contains(name)) {
                cancelRetry(name, pattern);
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
                cancelRetry(name, pattern);
                targets.forEach(f -> f.complete(null));
                return;
            }
            if (command.refused()) {
                refused(name, pattern, command, error.getMessage(), false);
            }
            // else the connection was lost: the next one subscribes again
            ClientCommand.failAll(targets, error);
        });
        connection.write(command);
    }

    /**
     * On the loop: the server answered {@code -ERR} to a subscription command of {@code name} (a {@code SUB ... FROM}
     * on the live connection when {@code held}, the server then still holding the topic): asks again later, or
     * forgets it for good.
     */
    void refused(String name, boolean pattern, ClientCommand command, String reason, boolean held) {
        if (!names(pattern).contains(name)) {
            return; // unsubscribed meanwhile
        }
        if (isTransient(reason)) {
            retryLater(name, pattern, command.verb(), reason);
            return;
        }
        // the server will not have it: forget it, so that reconnects do not ask again, and say so
        names(pattern).remove(name);
        cancelRetry(name, pattern);
        if (!pattern) {
            connection.positions.forget(name);
        }
        LOG.warn("{}: the server refused {} {}: {}; the client no longer subscribes it", connection, command.verb(),
                LogText.escape(name), LogText.escape(reason));
        if (held && connection.isConnected()) {
            ClientCommand unsub = ClientCommand.ok("UNSUB", ClientCommand.utf8(name)); // so that no more comes
            unsub.future().whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.debug("{}: UNSUB {} after the refusal: {}", connection, LogText.escape(name), e.toString());
                }
            });
            connection.write(unsub);
            connection.channel().flush();
        }
        connection.positions.refused(name, pattern, reason);
    }

    /** Whether a refusal's reason is one the server may get over: the subscription is then asked for again. */
    static boolean isTransient(String reason) {
        return reason != null && TRANSIENT.stream().anyMatch(reason::startsWith);
    }

    /** Whether a transient refusal of the topic waits to be asked again on this connection. */
    boolean retrying(String topic) {
        Retry retry = topicRetries.get(topic);
        return retry != null && retry.task != null;
    }

    private void retryLater(String name, boolean pattern, String verb, String reason) {
        Retry retry = retries(pattern).computeIfAbsent(name, k -> new Retry());
        retry.failures++;
        Duration delay = MAX_RETRY_DELAY;
        if (retry.failures <= 10) {
            delay = RETRY_DELAY.multipliedBy(1L << (retry.failures - 1));
            delay = delay.compareTo(MAX_RETRY_DELAY) < 0 ? delay : MAX_RETRY_DELAY;
        }
        if (retry.task != null) {
            retry.task.cancel(false);
        }
        Channel sentOn = connection.channel();
        retry.task = connection.loop().schedule(() -> {
            retry.task = null;
            if (connection.channel() == sentOn && connection.isConnected() && names(pattern).contains(name)
                    && (pattern || !connection.positions.inFlight(name))) {
                sendSubscribe(name, pattern, List.of());
                connection.channel().flush();
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
        if (retry.failures == 1) {
            LOG.info("{}: {} {} not confirmed yet ({}); asking again in {} ms", connection, verb,
                    LogText.escape(name), LogText.escape(reason), delay.toMillis());
        } else {
            LOG.debug("{}: {} {} not confirmed yet ({}, {} times in a row); asking again in {} ms", connection, verb,
                    LogText.escape(name), LogText.escape(reason), retry.failures, delay.toMillis());
        }
    }

    private void cancelRetry(String name, boolean pattern) {
        Retry retry = retries(pattern).remove(name);
        if (retry != null && retry.task != null) {
            retry.task.cancel(false);
        }
    }

    /** On the loop: cancels the retries waiting (a new connection subscribes everything anyway, or the end). */
    private void cancelRetryTasks() {
        for (Map<String, Retry> retries : List.of(topicRetries, patternRetries)) {
            for (Retry retry : retries.values()) {
                if (retry.task != null) {
                    retry.task.cancel(false);
                    retry.task = null;
                }
            }
        }
    }

    /** Sends SUB and PSUB for every remembered subscription, completing the futures waiting for a connection. */
    void resubscribe() {
        if (connection.protocol() != Protocol.COMMANDS) {
            return;
        }
        cancelRetryTasks();
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

    private Map<String, Retry> retries(boolean pattern) {
        return pattern ? patternRetries : topicRetries;
    }

    /** On the loop: the futures waiting for a connection, of topics or of patterns. */
    private Map<String, List<CompletableFuture<Void>>> waiting(boolean pattern) {
        return pattern ? waitingPatterns : waitingTopics;
    }

    /** On the loop, when the client closes: fails what waits for a connection, and asks nothing again. */
    void close(Throwable cause) {
        cancelRetryTasks();
        failWaiting(cause);
    }

    /** On the loop, after a re-subscription: fails what still waits for a connection. */
    private void failWaiting(Throwable cause) {
        waitingTopics.values().forEach(waiting -> ClientCommand.failAll(waiting, cause));
        waitingTopics.clear();
        waitingPatterns.values().forEach(waiting -> ClientCommand.failAll(waiting, cause));
        waitingPatterns.clear();
    }

    /** Transient refusals in a row of one subscription, and the task that asks again. */
    private static final class Retry {
        int failures;
        ScheduledFuture<?> task;
    }
}
