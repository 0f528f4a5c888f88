package io.pushline;

import io.pushline.internal.Checks;
import io.pushline.internal.RedisGlob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default {@link MessageSource}: a broker inside the JVM that host code publishes to with
 * {@link #publish(String, byte[])}. It needs nothing installed, which makes it the right source for tests,
 * single-node apps and the {@code pushline} CLI without {@code --redis}.
 *
 * <p>Messages are delivered to the listener on one dispatcher thread ({@code pushline-inmemory-dispatch}), in
 * publish order; publishing never waits for the listener. The dispatch queue is bounded
 * ({@link #DEFAULT_QUEUE_CAPACITY} by default): when it is full, {@code publish} fails with a
 * {@link SourceException} instead of buffering without limit. Patterns use Redis glob semantics
 * ({@link PatternDialect#redisGlob()}), matched exactly as Redis matches them.
 *
 * <p>Thread-safe.
 */
public final class InMemoryMessageSource implements MessageSource {
    /** The default capacity of the dispatch queue, in messages. */
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;

    private static final System.Logger LOG = System.getLogger(InMemoryMessageSource.class.getName());

    private static final SourceCapabilities CAPABILITIES = SourceCapabilities.builder(PatternDialect.redisGlob())
            .patterns(true).publish(true).build();
    private static final SourceCapabilities WITH_HISTORY = SourceCapabilities.builder(PatternDialect.redisGlob())
            .patterns(true).publish(true).history(true).build();

    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Map<String, RedisGlob> patterns = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor dispatcher;
    private volatile MessageListener listener;
    private volatile boolean closed;
    private final InMemoryHistory history;

    private InMemoryMessageSource(int queueCapacity, HistoryOptions history) {
        this.history = history == null ? null : new InMemoryHistory(history);
        this.dispatcher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "pushline-inmemory-dispatch");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Creates a source with the default queue capacity.
     *
     * @return a new, unstarted source
     */
    public static InMemoryMessageSource create() {
        return new InMemoryMessageSource(DEFAULT_QUEUE_CAPACITY, null);
    }

    /**
     * Creates a source with the default queue capacity that keeps history, in memory, for the topics
     * {@code history} names: their messages get {@link Position positions}, and clients can resume from them.
     *
     * @param history what to keep
     * @return a new, unstarted source
     */
    public static InMemoryMessageSource withHistory(HistoryOptions history) {
        return new InMemoryMessageSource(DEFAULT_QUEUE_CAPACITY, Objects.requireNonNull(history, "history"));
    }

    /**
     * Creates a source whose dispatch queue holds at most {@code queueCapacity} messages.
     *
     * @param queueCapacity the queue capacity, at least 1
     * @return a new, unstarted source
     */
    public static InMemoryMessageSource create(int queueCapacity) {
        return new InMemoryMessageSource(Checks.positive(queueCapacity, "queueCapacity"), null);
    }

    /** Redis globs, patterns and publishing; history when created {@link #withHistory(HistoryOptions) with it}. */
    @Override
    public SourceCapabilities capabilities() {
        return history == null ? CAPABILITIES : WITH_HISTORY;
    }

    @Override
    public boolean hasHistory(String topic) {
        return history != null && history.appliesTo(topic);
    }

    /** Reads the in-memory history; the future is complete when returned. */
    @Override
    public CompletableFuture<HistoryRead> readHistory(String topic, HistoryQuery query) {
        Objects.requireNonNull(query, "query");
        if (!hasHistory(Topics.validate(topic))) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no history for " + topic));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("source is closed"));
        }
        return CompletableFuture.completedFuture(history.read(topic, query));
    }

    /**
     * Forgets a topic's history and position, as a broker restarted empty would: its next message starts a new
     * epoch, and clients resuming from an older position are told their messages are lost. For tests.
     *
     * @param topic the topic
     */
    public void forgetHistory(String topic) {
        if (history != null) {
            history.forget(topic);
        }
    }

    @Override
    public synchronized void start(MessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("source is closed");
        }
        if (this.listener != null) {
            throw new IllegalStateException("source already started");
        }
        this.listener = listener;
    }

    @Override
    public CompletableFuture<Void> subscribe(String topic) {
        return change(() -> topics.add(Topics.validate(topic)));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String topic) {
        return change(() -> topics.remove(Objects.requireNonNull(topic, "topic")));
    }

    @Override
    public CompletableFuture<Void> psubscribe(String pattern) {
        return change(() -> patterns.computeIfAbsent(Topics.validate(pattern), RedisGlob::compile));
    }

    @Override
    public CompletableFuture<Void> punsubscribe(String pattern) {
        return change(() -> patterns.remove(Objects.requireNonNull(pattern, "pattern")));
    }

    private CompletableFuture<Void> change(Runnable change) {
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("source is closed"));
        }
        if (listener == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("source not started"));
        }
        // applied synchronously: a message published after this returns sees the change
        change.run();
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Publishes a message with a payload to every subscriber of {@code topic} in this JVM; on a topic with history
     * it gets the topic's next position.
     *
     * @param topic the topic
     * @param payload the payload; copied
     * @return a future completed when the message was queued for dispatch
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) {
        return publish(Message.of(topic, payload));
    }

    @Override
    public CompletableFuture<Void> publish(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new SourceException("source is closed"));
        }
        if (listener == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("source not started"));
        }
        try {
            if (hasHistory(message.topic())) {
                // positioned and queued under the topic's lock: dispatch order is offset order. A full queue
                // leaves the message in history, where resuming clients still find it.
                history.append(message, m -> dispatcher.execute(route(m)));
            } else {
                dispatcher.execute(route(message));
            }
            return CompletableFuture.completedFuture(null);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new SourceException(closed ? "source is closed"
                    : "dispatch queue full (" + dispatcher.getQueue().remainingCapacity() + " free)", e));
        }
    }

    /**
     * Decides, at publish time as a broker does, which subscriptions get the message: the topic's, then each
     * matching pattern's. A subscription made after the publish does not get it, even if it is not dispatched yet.
     */
    private Runnable route(Message message) {
        boolean topic = topics.contains(message.topic());
        List<String> matched = null;
        byte[] topicBytes = null;
        for (RedisGlob glob : patterns.values()) {
            if (topicBytes == null) {
                topicBytes = message.topic().getBytes(StandardCharsets.UTF_8);
            }
            if (glob.matches(topicBytes)) {
                if (matched == null) {
                    matched = new ArrayList<>(2);
                }
                matched.add(glob.pattern());
            }
        }
        List<String> patternsMatched = matched == null ? List.of() : matched;
        return () -> dispatch(message, topic, patternsMatched);
    }

    private void dispatch(Message message, boolean topic, List<String> patternsMatched) {
        MessageListener l = listener;
        if (topic) {
            try {
                l.onMessage(message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "listener failed on " + message, e);
            }
        }
        for (String pattern : patternsMatched) {
            try {
                l.onPatternMessage(pattern, message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "listener failed on " + message + " (pattern " + pattern + ")", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        dispatcher.shutdown();
        topics.clear();
        patterns.clear();
    }

    @Override
    public String toString() {
        return "InMemoryMessageSource[topics=" + topics.size() + ", patterns=" + patterns.size() + "]";
    }
}
