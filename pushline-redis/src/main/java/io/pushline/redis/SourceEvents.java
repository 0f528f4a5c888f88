package io.pushline.redis;

import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.MessageListener;
import io.pushline.SourceState;
import io.pushline.internal.LogText;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A source's listener side: its {@link SourceState}, and the subscriber connection's events turned into listener
 * calls, on that connection's I/O thread (never concurrently). {@link RedisClusterMessageSource} passes its shard
 * connections' messages through it and reports the state it works out itself ({@link #report}). Listener
 * exceptions are caught and logged (under the source's logger). Nothing reaches the listener after
 * {@link #close()}.
 */
final class SourceEvents implements PubSubEvents {
    private final Logger log;
    private final String description;
    private final Object stateLock = new Object();
    private volatile MessageListener listener;
    private volatile boolean closed;
    // guarded by stateLock
    private SourceState state = SourceState.DOWN;
    // only touched on the subscriber's I/O thread
    private boolean invalidTopicLogged;

    SourceEvents(String description, Logger log) {
        this.description = description;
        this.log = log;
    }

    /** Sets the listener, before the connection starts. */
    void listener(MessageListener listener) {
        this.listener = listener;
    }

    SourceState state() {
        synchronized (stateLock) {
            return state;
        }
    }

    /** The source closes: the state is DOWN from now on, and the listener is not called any more. */
    void close() {
        closed = true;
        synchronized (stateLock) {
            state = SourceState.DOWN;
        }
    }

    /** Sets the state without telling the listener: the state a source starts in. */
    void initial(SourceState initial) {
        synchronized (stateLock) {
            state = initial;
        }
    }

    /** Reports a new state; returns false (and reports nothing) when the state did not change or after close. */
    boolean report(SourceState newState) {
        return changeState(newState);
    }

    /** Reports a new state; returns false (and reports nothing) when the state did not change. */
    private boolean changeState(SourceState newState) {
        synchronized (stateLock) {
            if (closed || state == newState) {
                return false;
            }
            state = newState;
        }
        try {
            listener.onStateChange(newState);
        } catch (RuntimeException e) {
            log.warn("listener failed on state change to {}", newState, e);
        }
        return true;
    }

    @Override
    public void message(String pattern, Message message) {
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
            log.warn("listener failed on a message from topic {}{}", message.topic(),
                    pattern == null ? "" : " (pattern " + pattern + ")", e);
        }
    }

    /**
     * A channel that matched a pattern but is not a valid Pushline topic (not UTF-8, say): dropped and counted,
     * logged once at WARN (escaped: the name is the publisher's bytes).
     */
    @Override
    public void invalidChannel(String channel, String problem) {
        if (!invalidTopicLogged) {
            invalidTopicLogged = true;
            log.warn("dropping messages on channels that are not valid topics, first: '{}' ({}); further drops "
                    + "are counted as {} and logged at DEBUG", LogText.escape(channel), problem,
                    DropReason.INVALID_TOPIC);
        } else {
            log.debug("dropping a message on channel '{}': {}", LogText.escape(channel), problem);
        }
        try {
            listener.onMessagesDropped(DropReason.INVALID_TOPIC, 1);
        } catch (RuntimeException e) {
            log.warn("listener failed on a dropped message", e);
        }
    }

    @Override
    public void up(boolean reconnect) {
        if (reconnect) {
            changeState(SourceState.UP);
        } else {
            synchronized (stateLock) {
                state = SourceState.UP;
            }
        }
    }

    @Override
    public void resubscribed() {
        if (closed) {
            return;
        }
        log.info("Redis source reconnected to {} and re-subscribed", description);
        notifyResubscribed();
    }

    /** Tells the listener these topics' subscriptions are confirmed again, the others having held (no log line). */
    void notifyResubscribed(Set<String> topics) {
        if (closed) {
            return;
        }
        try {
            listener.onTopicsResubscribed(topics);
        } catch (RuntimeException e) {
            log.warn("listener failed on the re-subscription of {} topics", topics.size(), e);
        }
    }

    /** Tells the listener its subscriptions are confirmed again (no log line). */
    void notifyResubscribed() {
        if (closed) {
            return;
        }
        try {
            listener.onResubscribed();
        } catch (RuntimeException e) {
            log.warn("listener failed on the re-subscription", e);
        }
    }

    @Override
    public void down() {
        if (changeState(SourceState.DOWN)) {
            log.warn("Redis source lost its connection to {}; reconnecting", description);
        }
    }

    @Override
    public void stalled() {
        if (changeState(SourceState.DOWN)) {
            log.warn("Redis at {} has sent nothing for {} s although a PING is outstanding (stopped, or the "
                    + "network path is down); reporting {}", description,
                    TimeUnit.NANOSECONDS.toSeconds(LagProbe.STALL_NANOS),
                    SourceState.DOWN);
        }
    }

    @Override
    public void responsive() {
        if (changeState(SourceState.UP)) {
            log.info("Redis at {} answers again on the same connection; its subscriptions held", description);
        }
    }

    @Override
    public void shed(long count) {
        try {
            listener.onMessagesDropped(DropReason.SERVER_OVERLOADED, count);
        } catch (RuntimeException e) {
            log.warn("listener failed on {} shed messages", count, e);
        }
    }
}
