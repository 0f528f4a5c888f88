package io.pushline.nats;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceState;
import io.pushline.internal.LogText;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NatsMessageSource}'s listener side: its {@link SourceState}, and every listener call. Each call holds
 * the read side of a lock whose write side {@link #close()} takes, so that none starts after {@code close} returned
 * and none is still running then; calls may overlap otherwise (a drop report while the listener is busy with a
 * message), as {@link io.pushline.MessageListener} allows. Messages come from the dispatcher's one thread; state,
 * re-subscription and drop reports from jnats's callback thread and the source's own threads, state changes one at a
 * time. Listener exceptions are caught and logged under {@link NatsMessageSource}'s logger. Thread-safe.
 */
final class SourceEvents {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageSource.class);

    private final String description;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Lock calls = lock.readLock();
    private final Object stateChanges = new Object();
    private volatile MessageListener listener;
    private volatile SourceState state = SourceState.DOWN;
    private volatile boolean closed;
    private boolean invalidTopicLogged; // only on the dispatcher's thread

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
        lock.writeLock().lock();
        try {
            closed = true;
            state = SourceState.DOWN;
        } finally {
            lock.writeLock().unlock();
        }
    }

    void message(String pattern, Message message) {
        calls.lock();
        try {
            if (closed) {
                return;
            }
            if (pattern == null) {
                listener.onMessage(message);
            } else {
                listener.onPatternMessage(pattern, message);
            }
        } catch (RuntimeException e) {
            LOG.warn("listener failed on a message from topic {}{}", LogText.escape(message.topic()),
                    pattern == null ? "" : " (pattern " + LogText.escape(pattern) + ")", e);
        } finally {
            calls.unlock();
        }
    }

    /** A subject that matched a pattern but is not a valid topic: dropped, counted, logged once at WARN. */
    void invalidTopic(String subject, String problem) {
        if (!invalidTopicLogged) {
            invalidTopicLogged = true;
            LOG.warn("dropping messages on subjects that are not valid topics, first: '{}' ({}); further drops "
                    + "are counted as {} and logged at DEBUG", LogText.escape(subject), problem,
                    DropReason.INVALID_TOPIC);
        } else {
            LOG.debug("dropping a message on subject '{}': {}", LogText.escape(subject), problem);
        }
        dropped(DropReason.INVALID_TOPIC, 1);
    }

    /** Messages jnats dropped because the dispatcher's pending limits were reached. */
    void shed(long count) {
        dropped(DropReason.SERVER_OVERLOADED, count);
    }

    private void dropped(DropReason reason, long count) {
        calls.lock();
        try {
            if (!closed) {
                listener.onMessagesDropped(reason, count);
            }
        } catch (RuntimeException e) {
            LOG.warn("listener failed on {} dropped messages ({})", count, reason, e);
        } finally {
            calls.unlock();
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
        calls.lock();
        try {
            if (closed) {
                return;
            }
            LOG.info("NATS source reconnected to {} and re-subscribed", description);
            listener.onResubscribed();
        } catch (RuntimeException e) {
            LOG.warn("listener failed on the re-subscription", e);
        } finally {
            calls.unlock();
        }
    }

    private boolean change(SourceState newState) {
        calls.lock();
        try {
            synchronized (stateChanges) {
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
        } finally {
            calls.unlock();
        }
    }
}
