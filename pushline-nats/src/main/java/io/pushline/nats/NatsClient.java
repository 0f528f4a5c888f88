package io.pushline.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.pushline.Message;
import io.pushline.PatternDialect;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.Topics;
import io.pushline.internal.LogText;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One jnats connection as {@link NatsMessageSource} and {@link NatsPublisher} use it: connected synchronously,
 * with history streams when the settings have history, core publishes confirmed by a round trip
 * ({@link Confirmations}), and, for a source (given {@link SourceEvents}), a dispatcher holding the topic and
 * pattern subscriptions as sets, its drops reported every 100 ms, the connection's events turned into states
 * and re-subscriptions, and (with history) a {@link StreamSweeper} on the same timer. Thread-safe.
 */
final class NatsClient {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);
    private static final PatternDialect DIALECT = PatternDialect.natsSubjects();
    private static final byte[] EMPTY = new byte[0];

    private final NatsSettings settings;
    private final String description;
    private final SourceEvents events;
    private final Confirmations confirmations;
    private final Object subscriptions = new Object();
    private final Map<String, Subscription> topics = new HashMap<>(); // guarded by subscriptions
    private final Map<String, Subscription> patterns = new HashMap<>(); // guarded by subscriptions
    private final AtomicLong dropsReported = new AtomicLong();
    private final AtomicLong generation = new AtomicLong();
    private volatile Connection connection;
    private volatile Dispatcher dispatcher;
    private volatile HistoryStreams history;
    private volatile ScheduledExecutorService timer;
    private volatile boolean closed;

    private NatsClient(NatsSettings settings, SourceEvents events, String role) {
        this.settings = settings;
        this.description = settings.description();
        this.events = events;
        this.confirmations = new Confirmations("pushline-nats-" + role + "-confirm", settings.requestTimeout);
    }

    /**
     * Connects, checks JetStream when the settings have history, and (with {@code events}) starts the dispatcher.
     *
     * @throws SourceException when no server can be reached, the credentials are refused or JetStream is missing
     */
    static NatsClient connect(NatsSettings settings, SourceEvents events, String role) {
        NatsClient client = new NatsClient(settings, events, role);
        client.open(role);
        return client;
    }

    private void open(String role) {
        Connection c;
        try {
            c = Nats.connect(settings.options("pushline-" + role, new Errors()));
        } catch (IOException e) {
            throw new SourceException("cannot connect to " + description + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while connecting to " + description, e);
        }
        try {
            if (settings.history != null) {
                HistoryStreams.requireJetStream(c, settings.requestTimeout, description);
                history = new HistoryStreams(c, settings);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            throw e instanceof SourceException s ? s
                    : new SourceException("JetStream on " + description + ": " + e.getMessage(), e);
        }
        if (events != null) {
            c.addConnectionListener(new ConnectionEvents());
            Dispatcher d = c.createDispatcher();
            d.setPendingLimits(settings.pendingMessages, settings.pendingBytes);
            dispatcher = d;
            ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "pushline-nats-drops");
                thread.setDaemon(true);
                return thread;
            });
            t.scheduleWithFixedDelay(this::reportDrops, 100, 100, TimeUnit.MILLISECONDS);
            if (history != null) {
                HistoryStreams h = history;
                StreamSweeper sweeper = new StreamSweeper(c, settings.history.metaTtl(), settings.requestTimeout,
                        h::forget);
                long every = StreamSweeper.interval(settings.history.metaTtl()).toMillis();
                t.scheduleWithFixedDelay(sweeper::sweep, every, every, TimeUnit.MILLISECONDS);
            }
            timer = t;
        }
        connection = c;
        confirmations.connected(c);
    }

    /** The history streams, or null without history. */
    HistoryStreams history() {
        return history;
    }

    boolean hasHistory(String topic) {
        return settings.history != null && settings.history.appliesTo(topic);
    }

    /** Adds or removes a topic or pattern subscription (sets: twice is once), confirmed by a round trip. */
    CompletableFuture<Void> change(String verb, String name, boolean pattern, boolean add) {
        Map<String, Subscription> set = pattern ? patterns : topics;
        try {
            synchronized (subscriptions) {
                if (add && !set.containsKey(name)) {
                    set.put(name, dispatcher.subscribe(name, pattern ? m -> onPattern(name, m) : m -> onTopic(name, m)));
                } else if (!add) {
                    Subscription s = set.remove(name);
                    if (s != null) {
                        dispatcher.unsubscribe(s);
                    }
                }
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(verb + " " + name, e));
        }
        return confirmed(verb + " " + name);
    }

    /** A core NATS publish, confirmed by a round trip. */
    CompletableFuture<Void> publish(String topic, byte[] payload) {
        try {
            connection.publish(topic, payload);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure("PUB " + topic, e));
        }
        return confirmed("PUB " + topic);
    }

    private CompletableFuture<Void> confirmed(String what) {
        return confirmations.confirm().handle((ok, error) -> {
            if (error != null) {
                throw new CompletionException(failure(what, error));
            }
            return null;
        });
    }

    SourceException failure(String what, Throwable error) {
        if (closed) {
            return new SourceException(what + ": closed", error);
        }
        SourceException e = HistoryStreams.failure(what + " on " + description, error);
        LOG.warn("{}", e.getMessage());
        return e;
    }

    private void onTopic(String topic, io.nats.client.Message m) {
        deliver(topic, null, m);
    }

    private void onPattern(String pattern, io.nats.client.Message m) {
        String subject = m.getSubject();
        String problem = DIALECT.topicProblem(subject);
        if (problem == null && Topics.isReserved(subject)) {
            problem = "reserved for the server";
        }
        if (problem != null) {
            events.invalidTopic(subject, problem);
            return;
        }
        deliver(subject, pattern, m);
    }

    private void deliver(String topic, String pattern, io.nats.client.Message m) {
        byte[] data = m.getData();
        if (data == null) {
            data = EMPTY;
        }
        Position p = history != null && history.appliesTo(topic) ? HistoryStreams.position(m.getHeaders(), topic)
                : null;
        events.message(pattern, p == null ? Message.wrap(topic, data) : Message.wrap(topic, data, p));
    }

    /** Reports what the dispatcher dropped since the last report (every 100 ms, and at once on a slow consumer). */
    private void reportDrops() {
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        synchronized (dropsReported) {
            long dropped = d.getDroppedCount();
            long reported = dropsReported.get();
            if (dropped > reported) {
                dropsReported.set(dropped);
                events.shed(dropped - reported);
            }
        }
    }

    /** Closes the connection; pending confirmations fail. Idempotent. */
    void close() {
        closed = true;
        confirmations.close();
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
        Connection c = connection;
        if (c != null) {
            closeQuietly(c);
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** jnats's connection events, on its callback thread. */
    private final class ConnectionEvents implements ConnectionListener {
        @Override
        @SuppressWarnings("deprecation") // abstract in jnats: every listener must have it; jnats calls the other
        public void connectionEvent(Connection conn, ConnectionListener.Events type) {
            connectionEvent(conn, type, null, null);
        }

        @Override
        public void connectionEvent(Connection conn, ConnectionListener.Events type, Long time, String uriDetails) {
            switch (type) {
                case DISCONNECTED -> {
                    generation.incrementAndGet();
                    confirmations.disconnected();
                    events.down();
                }
                case RESUBSCRIBED -> {
                    long gen = generation.get();
                    confirmations.reconnected().thenRun(() -> {
                        if (generation.get() == gen) {
                            events.resubscribed();
                        }
                    });
                }
                case LAME_DUCK -> LOG.info("NATS server {} is shutting down (lame duck mode); the source will "
                        + "move", conn.getConnectedUrl());
                case CLOSED -> {
                    if (!closed) {
                        LOG.warn("NATS connection to {} closed by the client library", description);
                    }
                }
                default -> LOG.debug("NATS connection event {}", type);
            }
        }
    }

    /** jnats's errors: logged through SLF4J; a slow consumer is reported at once. */
    private final class Errors implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("NATS server {} reported an error: {}", description, LogText.escape(error));
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("NATS connection to {}: {}", description, exp.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.debug("NATS connection to {} fell behind; dropping messages past its pending limits", description);
            if (events != null) {
                reportDrops();
            }
        }
    }
}
