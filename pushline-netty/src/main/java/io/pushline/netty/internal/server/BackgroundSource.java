package io.pushline.netty.internal.server;

import io.pushline.DropReason;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.MessageSource;
import io.pushline.SourceCapabilities;
import io.pushline.SourceException;
import io.pushline.SourceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a source without waiting for its broker, for a server built with {@code awaitSource(false)}: stands in for
 * the source until its {@link MessageSource#start start} succeeds, which it tries on a thread of its own (the
 * server's start waits for the first attempt at most the broker timeout), again and again with equal-jitter backoff
 * from {@link #RETRY_MIN} to {@link #RETRY_MAX} (a source whose start threw may be started again, as
 * {@link MessageSource} says and the Redis, Redis Cluster and NATS sources document).
 *
 * <p>Until then it reports {@link SourceState#DOWN} (to the listener once the first attempt failed), keeps the set of
 * topics and patterns the server wants (a set: bounded by the names held, not by the calls made) and hands out
 * futures that complete once the started source confirmed them. History reads and publishes fail at once with a
 * {@link SourceException}. Once started, it subscribes what is wanted, in one pass under its lock so that no later
 * call overtakes it, reports the source's state, and from then on passes every call straight through.
 *
 * <p>Thread-safe. Futures are never completed under the lock (their callbacks take the server's locks).
 */
final class BackgroundSource implements MessageSource {
    /** The shortest delay between two attempts to start the source: 100 ms. */
    static final Duration RETRY_MIN = Duration.ofMillis(100);
    /** The longest delay between two attempts to start the source: 2 s. */
    static final Duration RETRY_MAX = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundSource.class);

    private final MessageSource source;
    private final Duration firstAttemptWait;
    /** Completed when the first attempt ended, either way. */
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: what the server wants subscribed while the source is not started, in call order. */
    private final Map<String, List<CompletableFuture<Void>>> topics = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> patterns = new LinkedHashMap<>();
    private final Object stateLock = new Object();
    /** Guarded by {@link #stateLock}: the last state told to the listener (null: none yet). */
    private SourceState told;

    private volatile boolean started;
    private volatile boolean closed;
    private volatile MessageListener listener;
    private volatile ScheduledExecutorService starter;
    /** Only touched on the starter thread. */
    private int attempt;
    private String lastFailure;

    /**
     * Creates a stand-in for a source that is not started yet.
     *
     * @param source the source
     * @param firstAttemptWait how long {@link #start} waits for the first attempt to start the source
     */
    BackgroundSource(MessageSource source, Duration firstAttemptWait) {
        this.source = Objects.requireNonNull(source, "source");
        this.firstAttemptWait = Objects.requireNonNull(firstAttemptWait, "firstAttemptWait");
    }

    /** The source this one stands in for. */
    MessageSource source() {
        return source;
    }

    @Override
    public SourceCapabilities capabilities() {
        return source.capabilities();
    }

    @Override
    public boolean hasHistory(String topic) {
        return source.hasHistory(topic);
    }

    /**
     * Starts the source on the {@code pushline-source-start} thread, and waits for that first attempt at most
     * {@code firstAttemptWait}: a source whose broker is up is started when this returns, one whose broker refuses
     * connections is reported down at once, and one whose broker does not answer does not hold the server's start
     * longer than that.
     */
    @Override
    public void start(MessageListener serverListener) {
        Objects.requireNonNull(serverListener, "listener");
        synchronized (lock) {
            if (closed || starter != null) {
                throw new IllegalStateException(closed ? "source is closed" : "source already started");
            }
            listener = serverListener;
            starter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pushline-source-start");
                t.setDaemon(true);
                return t;
            });
            starter.execute(this::tryStart);
        }
        try {
            firstAttempt.get(firstAttemptWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("message source not started within {} ms; the server serves meanwhile",
                    firstAttemptWait.toMillis());
        }
    }

    /** On the starter thread. */
    private void tryStart() {
        try {
            attemptStart();
        } finally {
            firstAttempt.complete(null);
        }
    }

    /** On the starter thread. */
    private void attemptStart() {
        if (closed) {
            return;
        }
        try {
            source.start(new Relay());
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            failed(e);
            return;
        }
        List<Runnable> confirmations = new ArrayList<>();
        boolean closedMeanwhile;
        synchronized (lock) {
            closedMeanwhile = closed;
            if (!closedMeanwhile) {
                // subscribe what is wanted before any later call can reach the source, so none overtakes these
                replay(topics, false, confirmations);
                replay(patterns, true, confirmations);
                started = true;
            }
        }
        if (closedMeanwhile) {
            return; // whoever closed this closes the source too (when the server owns it)
        }
        LOG.info("message source started after {} failed attempts; subscribing {} topics and patterns held meanwhile",
                attempt, confirmations.size());
        confirmations.forEach(Runnable::run);
        synchronized (stateLock) {
            if (told == null && source.state() == SourceState.UP) {
                told = SourceState.UP; // up at the first attempt: nothing changed, nothing to tell
            }
        }
        tell(source.state());
        starter.shutdown();
    }

    /** Under {@link #lock}: subscribes each wanted name at the source; the confirmations are linked after. */
    private void replay(Map<String, List<CompletableFuture<Void>>> wanted, boolean pattern, List<Runnable> after) {
        for (Map.Entry<String, List<CompletableFuture<Void>>> e : wanted.entrySet()) {
            CompletableFuture<Void> done;
            try {
                done = pattern ? source.psubscribe(e.getKey()) : source.subscribe(e.getKey());
            } catch (RuntimeException ex) {
                done = CompletableFuture.failedFuture(ex);
            }
            CompletableFuture<Void> confirmed = done;
            List<CompletableFuture<Void>> waiting = e.getValue();
            after.add(() -> confirmed.whenComplete((ok, error) -> waiting.forEach(f -> {
                if (error == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error);
                }
            })));
        }
        wanted.clear();
    }

    /** On the starter thread: logs (the first failure and each new cause at WARN), reports DOWN, tries again. */
    private void failed(RuntimeException e) {
        String why = String.valueOf(e.getMessage());
        long cap = Math.min(RETRY_MAX.toNanos(), RETRY_MIN.toNanos() << Math.min(attempt, 20));
        long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1); // equal jitter
        attempt++;
        if (!why.equals(lastFailure)) {
            LOG.warn("message source not started: {}; serving clients meanwhile and trying again with backoff "
                    + "(repeats are logged at DEBUG)", why);
        } else {
            LOG.debug("message source not started ({} attempts): {}", attempt, why, e);
        }
        lastFailure = why;
        tell(SourceState.DOWN);
        try {
            starter.schedule(this::tryStart, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("not trying to start the message source again: closing");
        }
    }

    /** Tells the listener a state, once per change, in order with the source's own reports. */
    private void tell(SourceState state) {
        synchronized (stateLock) {
            if (closed || state == told) {
                return;
            }
            told = state;
            listener.onStateChange(state);
        }
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        return change(topic, false, true);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        return change(topic, false, false);
    }

    @Override
    public CompletableFuture<Void> psubscribe(String pattern) {
        return change(pattern, true, true);
    }

    @Override
    public CompletableFuture<Void> punsubscribe(String pattern) {
        return change(pattern, true, false);
    }

    private CompletableFuture<Void> change(String name, boolean pattern, boolean add) {
        if (started) {
            return direct(name, pattern, add);
        }
        List<CompletableFuture<Void>> settled;
        CompletableFuture<Void> result = new CompletableFuture<>();
        synchronized (lock) {
            if (started) {
                return direct(name, pattern, add);
            }
            if (closed) {
                return CompletableFuture.failedFuture(new SourceException(name + ": source is closed"));
            }
            Map<String, List<CompletableFuture<Void>>> wanted = pattern ? patterns : topics;
            if (add) {
                wanted.computeIfAbsent(name, k -> new ArrayList<>()).add(result);
                return result;
            }
            // never subscribed at the broker: as if confirmed, then ended
            settled = wanted.remove(name);
        }
        if (settled != null) {
            settled.forEach(f -> f.complete(null));
        }
        result.complete(null);
        return result;
    }

    private CompletableFuture<Void> direct(String name, boolean pattern, boolean add) {
        if (pattern) {
            return add ? source.psubscribe(name) : source.punsubscribe(name);
        }
        return add ? source.subscribe(name) : source.unsubscribe(name);
    }

    /** Passed through once started; fails with a {@link SourceException} before. */
    @Override
    public CompletableFuture<Void> publish(Message message) {
        return started ? source.publish(message) : notYet("publish to " + message.topic());
    }

    /** Passed through once started; fails with a {@link SourceException} before. */
    @Override
    public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        return started ? source.readHistory(topic, query) : notYet("history read of " + topic);
    }

    private static <T> CompletableFuture<T> notYet(String what) {
        return CompletableFuture.failedFuture(new SourceException(what
                + ": the message source has not reached its broker yet"));
    }

    /** The source's state once started; {@link SourceState#DOWN} before. */
    @Override
    public SourceState state() {
        return started ? source.state() : SourceState.DOWN;
    }

    /**
     * Stops trying to start the source (interrupting an attempt in progress, waiting for it at most a few seconds)
     * and fails the futures still waiting for it; the source itself is left as it is.
     */
    void stop() {
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        ScheduledExecutorService s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = starter;
            topics.values().forEach(waiting::addAll);
            patterns.values().forEach(waiting::addAll);
            topics.clear();
            patterns.clear();
        }
        synchronized (stateLock) {
            told = SourceState.DOWN; // nothing more is told
        }
        if (s != null) {
            s.shutdownNow();
            try {
                if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("the message source's start did not end within 5 s of closing the server");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        SourceException closedNow = new SourceException("source is closed before it reached its broker");
        waiting.forEach(f -> f.completeExceptionally(closedNow));
    }

    /** Stops trying ({@link #stop()}) and closes the source. */
    @Override
    public void close() {
        stop();
        source.close();
    }

    @Override
    public String toString() {
        return source.toString();
    }

    /** What the started source calls: passed to the server, the state changes in order with this one's reports. */
    private final class Relay implements MessageListener {
        @Override
        public void onMessage(Message message) {
            listener.onMessage(message);
        }

        @Override
        public void onPatternMessage(String pattern, Message message) {
            listener.onPatternMessage(pattern, message);
        }

        @Override
        public void onStateChange(SourceState state) {
            tell(state);
        }

        @Override
        public void onResubscribed() {
            listener.onResubscribed();
        }

        @Override
        public void onTopicsResubscribed(Set<String> resubscribed) {
            listener.onTopicsResubscribed(resubscribed);
        }

        @Override
        public void onMessagesDropped(DropReason reason, long count) {
            listener.onMessagesDropped(reason, count);
        }
    }
}
