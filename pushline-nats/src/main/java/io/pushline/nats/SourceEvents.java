package io.pushline.nats;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceState;
import io.pushline.internal.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NatsMessageSource}'s listener side: its {@link SourceState}, and every listener call, made under one
 * lock so that none overlaps another and none starts after {@link #close()} returned. Messages come from the
 * dispatcher's one thread (so the lock is uncontended on the hot path); state, re-subscription and drop reports from
 * jnats's callback thread and the source's own threads. Listener exceptions are caught and logged under
 * {@link NatsMessageSource}'s logger. Thread-safe.
 */
final class SourceEvents {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);

    private final String description;
    private final Object calls = new Object();
    private volatile MessageListener listener;
    private volatile SourceState state = SourceState.DOWN;
    private boolean closed; // guarded by calls
    private boolean invalidTopicLogged; // guarded by calls

    SourceEvents(String description) {
        this.description = description;
    }

    void listener(MessageListener listener) {
        this.listener = listener;
    }

    SourceState state() {
        return state;
    }

    /** No listener call starts after this returns, and none is running. */
    void close() {
        synchronized (calls) {
            closed = true;
            state = SourceState.DOWN;
        }
    }

    void message(String pattern, Message message) {
        synchronized (calls) {
            if (closed) {
                return;
            }
            try {
                if (pattern == null) {
                    listener.onMessage(message);
                } else {
                    listener.onPatternMessage(pattern, message);
                }
            } catch (RuntimeException e) {
                LOG.warn("listener failed on a message from topic {}{}", LogText.escape(message.topic()),
                        pattern == null ? "" : " (pattern " + LogText.escape(pattern) + ")", e);
            }
        }
    }

    /** A subject that matched a pattern but is not a valid topic: dropped, counted, logged once at WARN. */
    void invalidTopic(String subject, String problem) {
        synchronized (calls) {
            if (closed) {
                return;
            }
            if (!invalidTopicLogged) {
                invalidTopicLogged = true;
                LOG.warn("dropping messages on subjects that are not valid topics, first: '{}' ({}); further drops "
                        + "are counted as {} and logged at DEBUG", LogText.escape(subject), problem,
                        DropReason.INVALID_TOPIC);
            } else {
                LOG.debug("dropping a message on subject '{}': {}", LogText.escape(subject), problem);
            }
            try {
                listener.onMessagesDropped(DropReason.INVALID_TOPIC, 1);
            } catch (RuntimeException e) {
                LOG.warn("listener failed on a dropped message", e);
            }
        }
    }

    /** Messages jnats dropped because the dispatcher's pending limits were reached. */
    void shed(long count) {
        synchronized (calls) {
            if (closed) {
                return;
            }
            try {
                listener.onMessagesDropped(DropReason.SERVER_OVERLOADED, count);
            } catch (RuntimeException e) {
                LOG.warn("listener failed on {} shed messages", count, e);
            }
        }
    }

    /** The first connection is up (no listener call: the source starts UP). */
    void started() {
        state = SourceState.UP;
    }

    void down() {
        if (change(SourceState.DOWN)) {
            LOG.warn("NATS source lost its connection to {}; reconnecting", description);
        }
    }

    /** Back, and every subscription confirmed again: UP, then the re-subscription. */
    void resubscribed() {
        change(SourceState.UP);
        synchronized (calls) {
            if (closed) {
                return;
            }
            LOG.info("NATS source reconnected to {} and re-subscribed", description);
            try {
                listener.onResubscribed();
            } catch (RuntimeException e) {
                LOG.warn("listener failed on the re-subscription", e);
            }
        }
    }

    private boolean change(SourceState newState) {
        synchronized (calls) {
            if (closed || state == newState) {
                return false;
            }
            state = newState;
            try {
                listener.onStateChange(newState);
            } catch (RuntimeException e) {
                LOG.warn("listener failed on state change to {}", newState, e);
            }
            return true;
        }
    }
}
