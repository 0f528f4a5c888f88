package io.pushline.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.ApiResponse;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.Republish;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.nats.client.support.JsonValue;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.HistoryRead;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.SourceException;
import io.pushline.internal.LogText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History in JetStream, shared by {@link NatsMessageSource} and {@link NatsPublisher}: <b>one stream per topic</b>.
 *
 * <ul>
 *   <li>The stream of topic {@code T} captures the one subject {@code $PUSHLINE.H.T}, so its sequence numbers are
 *       the topic's offsets: JetStream gives each stored message the next one, atomically, whoever publishes.
 *       It keeps {@link HistoryOptions#size()} messages ({@code max_msgs}, discard old) for
 *       {@link HistoryOptions#ttl()} each ({@code max_age}), and republishes every stored message to {@code T}
 *       itself with the headers {@code Nats-Stream}, {@code Nats-Subject} and {@code Nats-Sequence}: subscribers of
 *       {@code T} (and of patterns matching it) see the message once, with its position, and only once it is
 *       stored.</li>
 *   <li>The stream's name is {@code PUSHLINE_<epoch>}, with a random epoch drawn when the stream is created: a
 *       stream deleted (or lost with its server's storage) and created again has another name, so its positions
 *       have another epoch. A live message carries its epoch in {@code Nats-Stream}, no lookup needed.</li>
 *   <li>Reads: {@code STREAM.INFO} for the top (last sequence) and the first kept sequence, then one
 *       {@code DIRECT.GET} per message wanted, pipelined (at most {@value #WINDOW} in flight). No consumer is
 *       created.</li>
 *   <li>A topic's stream is found by subject ({@code STREAM.NAMES}) and created when there is none, by the first
 *       history read or positioned publish; the name is cached (at most {@value #CACHE} topics).</li>
 * </ul>
 *
 * <p>Thread-safe; never blocks: every call returns a future completed on a jnats thread.
 */
final class HistoryStreams {
    /** The private subject prefix: positioned publishes go to {@code $PUSHLINE.H.<topic>}. */
    static final String SUBJECT_PREFIX = "$PUSHLINE.H.";
    /** The prefix of every history stream's name; the rest is the epoch. */
    static final String STREAM_PREFIX = "PUSHLINE_";
    /** The most direct gets one read has in flight. */
    static final int WINDOW = 256;
    /** The most topics whose stream name is cached. */
    static final int CACHE = 65_536;

    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int NAME_IN_USE = 10058;
    private static final int SUBJECTS_OVERLAP = 10065;

    private final Connection connection;
    private final JetStream js;
    private final HistoryOptions options;
    private final NatsSettings settings;
    private final Object lock = new Object();
    // guarded by lock: topic -> stream name, least recently used first
    private final LinkedHashMap<String, String> streams = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE;
        }
    };
    // guarded by lock: topics whose stream is being looked up or created, with the publishes waiting for it
    private final Map<String, ArrayDeque<Runnable>> finding = new HashMap<>();

    HistoryStreams(Connection connection, NatsSettings settings) throws IOException {
        this.connection = connection;
        this.settings = settings;
        this.options = settings.history;
        this.js = connection.jetStream(JetStreamOptions.builder().requestTimeout(settings.requestTimeout).build());
    }

    /**
     * Checks, synchronously, that the server has JetStream ({@code $JS.API.INFO} answers): a source or publisher
     * with history fails at once rather than at its first read.
     */
    static void requireJetStream(Connection c, java.time.Duration timeout, String description) throws IOException {
        io.nats.client.Message reply;
        try {
            reply = c.request("$JS.API.INFO", null, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while checking JetStream on " + description, e);
        }
        if (reply == null || (reply.isStatusMessage() && reply.getStatus().getCode() == 503)) {
            throw new SourceException("JetStream is not enabled on " + description + " (start nats-server with -js): "
                    + "history needs it");
        }
        Api info = new Api(reply);
        if (info.hasError()) {
            throw new SourceException("JetStream on " + description + " refused: " + info.getError());
        }
    }

    boolean appliesTo(String topic) {
        return options.appliesTo(topic);
    }

    static String subject(String topic) {
        return SUBJECT_PREFIX + topic;
    }

    /**
     * The position a message delivered on {@code topic} carries in its JetStream headers, or null when it has none
     * (a plain publish) or they are not a Pushline history stream's for this topic.
     */
    static Position position(Headers headers, String topic) {
        if (headers == null) {
            return null;
        }
        String stream = headers.getFirst("Nats-Stream");
        String subject = headers.getFirst("Nats-Subject");
        String sequence = headers.getFirst("Nats-Sequence");
        if (stream == null || subject == null || sequence == null || !stream.startsWith(STREAM_PREFIX)
                || subject.length() != SUBJECT_PREFIX.length() + topic.length() || !subject.startsWith(SUBJECT_PREFIX)
                || !subject.endsWith(topic)) {
            return null;
        }
        long offset = digits(sequence);
        return offset < 1 ? null : at(offset, stream);
    }

    private static Position at(long offset, String stream) {
        try {
            return Position.of(offset, stream.substring(STREAM_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return null; // not an epoch: a stream named like ours that is not
        }
    }

    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    // ---- publish

    /** Publishes to the topic's stream; the ack's stream and sequence are the message's position. */
    CompletableFuture<Position> publish(String topic, byte[] payload) {
        CompletableFuture<Position> result = new CompletableFuture<>();
        String known;
        synchronized (lock) {
            known = finding.containsKey(topic) ? null : streams.get(topic);
        }
        if (known != null) {
            send(topic, payload, result, true);
        } else {
            afterStream(topic, () -> send(topic, payload, result, false), result);
        }
        return result;
    }

    private void send(String topic, byte[] payload, CompletableFuture<Position> result, boolean mayRetry) {
        js.publishAsync(subject(topic), payload).whenComplete((ack, error) -> {
            if (error == null) {
                Position p = position(ack);
                if (p == null) {
                    result.completeExceptionally(new SourceException("publish to " + topic + ": stored in stream "
                            + ack.getStream() + ", which is not a Pushline history stream"));
                } else {
                    result.complete(p);
                }
            } else if (mayRetry && noResponders(error)) {
                recover(topic, payload, result, error);
            } else {
                result.completeExceptionally(failure("publish to " + topic, error));
            }
        });
    }

    /**
     * A publish to a known stream had no responder. Only when JetStream itself says the stream does not exist (it
     * was deleted, or the server lost its storage) is it looked up or created again, then the publish sent once
     * more; while JetStream does not answer (a server still starting) the publish fails and the stream stays, so
     * that a slow start never makes a new epoch.
     */
    private void recover(String topic, byte[] payload, CompletableFuture<Position> result, Throwable error) {
        String name;
        synchronized (lock) {
            name = streams.get(topic);
        }
        if (name == null) {
            afterStream(topic, () -> send(topic, payload, result, false), result);
            return;
        }
        info(name).whenComplete((state, infoError) -> {
            if (infoError != null) {
                result.completeExceptionally(failure("publish to " + topic, error));
            } else if (state == null) {
                forget(topic);
                afterStream(topic, () -> send(topic, payload, result, false), result);
            } else {
                send(topic, payload, result, false); // the stream is there: JetStream was not ready yet
            }
        });
    }

    private static Position position(PublishAck ack) {
        return ack.getStream() != null && ack.getStream().startsWith(STREAM_PREFIX) && ack.getSeqno() > 0
                ? at(ack.getSeqno(), ack.getStream()) : null;
    }

    /**
     * Runs {@code then} once the topic's stream exists, after the publishes already waiting for it and in call
     * order; fails {@code result} when it cannot be found nor created.
     */
    private void afterStream(String topic, Runnable then, CompletableFuture<?> result) {
        boolean first;
        synchronized (lock) {
            String known = finding.containsKey(topic) ? null : streams.get(topic);
            if (known != null) {
                then.run();
                return;
            }
            ArrayDeque<Runnable> waiting = finding.get(topic);
            first = waiting == null;
            if (first) {
                waiting = new ArrayDeque<>();
                finding.put(topic, waiting);
            }
            waiting.add(then);
        }
        if (first) {
            find(topic, true).whenComplete((name, error) -> {
                ArrayDeque<Runnable> waiting;
                synchronized (lock) {
                    waiting = finding.remove(topic);
                    if (error == null) {
                        streams.put(topic, name);
                        for (Runnable r : waiting) {
                            r.run(); // in call order, before any later publish can pass them
                        }
                        return;
                    }
                }
                SourceException e = failure("stream of " + topic, error);
                LOG.warn("no history stream for topic {}: {}", LogText.escape(topic), e.getMessage());
                result.completeExceptionally(e);
                for (Runnable r : waiting) {
                    if (r != then) {
                        r.run(); // each tries to publish on its own and fails with its own error
                    }
                }
            });
        }
    }

    void forget(String topic) {
        synchronized (lock) {
            streams.remove(topic);
        }
    }

    // ---- finding and creating streams

    /** The name of the topic's stream: cached, found by subject, or created (when {@code create}). */
    CompletableFuture<String> stream(String topic) {
        String known;
        synchronized (lock) {
            known = streams.get(topic);
        }
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return find(topic, true).thenApply(name -> {
            synchronized (lock) {
                streams.put(topic, name);
            }
            return name;
        });
    }

    private CompletableFuture<String> find(String topic, boolean create) {
        byte[] query = ("{\"subject\":\"" + jsonEscape(subject(topic)) + "\"}").getBytes(StandardCharsets.UTF_8);
        return request("$JS.API.STREAM.NAMES", query).thenCompose(reply -> {
            Api names = new Api(reply);
            if (names.hasError()) {
                return CompletableFuture.failedFuture(new SourceException("stream lookup for " + topic + ": "
                        + names.getError()));
            }
            JsonValue list = names.getJv().map == null ? null : names.getJv().map.get("streams");
            if (list != null && list.array != null && !list.array.isEmpty()) {
                String name = list.array.get(0).string;
                if (name == null || !name.startsWith(STREAM_PREFIX) || at(1, name) == null) {
                    return CompletableFuture.failedFuture(new SourceException("stream " + name + " captures "
                            + subject(topic) + " but is not a Pushline history stream (PUSHLINE_<epoch>)"));
                }
                return CompletableFuture.completedFuture(name);
            }
            return create ? create(topic) : CompletableFuture.failedFuture(new SourceException(
                    "no history stream for " + topic));
        });
    }

    private CompletableFuture<String> create(String topic) {
        String name = STREAM_PREFIX + Position.newEpoch();
        StreamConfiguration config = StreamConfiguration.builder()
                .name(name)
                .description("Pushline history of " + topic)
                .subjects(subject(topic))
                .maxMessages(options.size())
                .maxAge(options.ttl())
                .discardPolicy(DiscardPolicy.Old)
                .storageType(settings.storage)
                .replicas(settings.replicas)
                .allowDirect(true)
                .republish(Republish.builder().source(subject(topic)).destination(topic).build())
                .build();
        return request("$JS.API.STREAM.CREATE." + name, config.toJson().getBytes(StandardCharsets.UTF_8))
                .thenCompose(reply -> {
                    StreamInfo info = new StreamInfo(reply);
                    if (!info.hasError()) {
                        LOG.debug("created history stream {} for topic {}", name, LogText.escape(topic));
                        return CompletableFuture.completedFuture(name);
                    }
                    if (info.getApiErrorCode() == SUBJECTS_OVERLAP || info.getApiErrorCode() == NAME_IN_USE) {
                        return find(topic, false); // another server created it first: use theirs
                    }
                    return CompletableFuture.failedFuture(new SourceException("creating the history stream of "
                            + topic + ": " + info.getError()));
                });
    }

    // ---- reads

    /** Reads a topic's history: its stream's top and first sequence, then the messages the query wants. */
    CompletableFuture<HistoryRead> read(String topic, HistoryQuery query) {
        return stream(topic).thenCompose(name -> info(name).thenCompose(info -> {
            if (info != null) {
                return read(topic, name, info, query);
            }
            forget(topic); // deleted since we cached it: find or create it once more
            return stream(topic).thenCompose(again -> info(again).thenCompose(second -> second == null
                    ? CompletableFuture.failedFuture(new SourceException("history stream of " + topic
                            + " vanished twice while being read"))
                    : read(topic, again, second, query)));
        })).handle((read, error) -> {
            if (error != null) {
                throw new CompletionException(failure("history read of " + topic, error));
            }
            return read;
        });
    }

    private CompletableFuture<StreamState> info(String name) {
        return request("$JS.API.STREAM.INFO." + name, null).thenCompose(reply -> {
            StreamInfo info = new StreamInfo(reply);
            if (info.hasError()) {
                return info.getApiErrorCode() == STREAM_NOT_FOUND ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(new SourceException("stream info of " + name + ": "
                                + info.getError()));
            }
            return CompletableFuture.completedFuture(info.getStreamState());
        });
    }

    private CompletableFuture<HistoryRead> read(String topic, String name, StreamState state, HistoryQuery query) {
        long top = state.getLastSequence();
        long first = Math.max(1, state.getFirstSequence());
        Position topPosition = at(top, name);
        if (topPosition == null) {
            return CompletableFuture.failedFuture(new SourceException("stream " + name + " has no epoch"));
        }
        long from;
        if (query.limit() == 0 || top == 0) {
            from = top + 1;
        } else if (query.isLatest()) {
            from = Math.max(first, top - query.limit() + 1);
        } else if (query.after() >= top || top - query.after() > query.limit()) {
            from = top + 1; // nothing missed, or more than the reader can take: none
        } else {
            from = Math.max(first, query.after() + 1);
        }
        List<Message> messages = new ArrayList<>((int) Math.max(0, Math.min(top - from + 1, 1024)));
        return fetch(topic, name, from, top, messages).thenApply(v -> new HistoryRead(topPosition, messages));
    }

    /** Direct gets of {@code from..to}, at most {@link #WINDOW} in flight; missing ones (expired) are skipped. */
    private CompletableFuture<Void> fetch(String topic, String name, long from, long to, List<Message> into) {
        if (from > to) {
            return CompletableFuture.completedFuture(null);
        }
        long end = Math.min(to, from + WINDOW - 1);
        List<CompletableFuture<io.nats.client.Message>> gets = new ArrayList<>((int) (end - from + 1));
        for (long seq = from; seq <= end; seq++) {
            gets.add(request("$JS.API.DIRECT.GET." + name,
                    ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.US_ASCII)));
        }
        return CompletableFuture.allOf(gets.toArray(new CompletableFuture<?>[0])).thenCompose(v -> {
            for (CompletableFuture<io.nats.client.Message> get : gets) {
                io.nats.client.Message m = get.join();
                if (m.isStatusMessage()) {
                    if (m.getStatus().getCode() == 404) {
                        continue; // expired or trimmed since the stream info
                    }
                    return CompletableFuture.failedFuture(new SourceException("direct get from " + name + ": "
                            + m.getStatus().getMessage()));
                }
                Position p = position(m.getHeaders(), topic);
                if (p == null) {
                    return CompletableFuture.failedFuture(new SourceException("direct get from " + name
                            + " answered without a sequence"));
                }
                byte[] data = m.getData();
                into.add(Message.wrap(topic, data == null ? new byte[0] : data, p));
            }
            return fetch(topic, name, end + 1, to, into);
        });
    }

    // ---- plumbing

    private CompletableFuture<io.nats.client.Message> request(String subject, byte[] body) {
        try {
            return connection.requestWithTimeout(subject, body, settings.requestTimeout);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // closed, or the reconnect buffer is full
        }
    }

    private static String jsonEscape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether a failure is NATS's "no responders": nothing listens on the subject (here: no stream captures it). */
    static boolean noResponders(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("503")) {
                return true;
            }
        }
        return false;
    }

    static SourceException failure(String what, Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof SourceException s) {
            return s;
        }
        return new SourceException(what + " failed: " + cause, cause);
    }

    /** A JetStream API reply read as JSON, for the replies jnats has no type for. */
    private static final class Api extends ApiResponse<Api> {
        Api(io.nats.client.Message reply) {
            super(reply);
        }
    }
}
