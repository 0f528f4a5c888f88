package io.pushline.netty.internal.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many of one event loop's clients are behind (over their soft outbound limit). When most of them are, the
 * source outruns every reader, not one slow client: cutting them as slow consumers would only make them all reconnect
 * at once (and resume, at the broker's expense) into the same stream. So under the DISCONNECT policy a client past
 * its limits while its loop is {@link #mostlyBehind()} has its pushes dropped instead, as under DROP, and stays
 * connected; one that stops draining is still cut when the soft limit's duration is over.
 *
 * <p>Only touched on the loop.
 */
final class LoopLoad {
    private static final Logger LOG = LoggerFactory.getLogger(LoopLoad.class);
    /** The fewest clients behind at once that can make a loop overloaded: fewer are slow consumers on their own. */
    static final int MIN_BEHIND = 4;
    /** The least time between two log lines about a loop becoming overloaded. */
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final String name;
    /** The loop's registered clients. */
    private int clients;
    /** Those of them over their soft outbound limit. */
    private int behind;
    private boolean overloaded;
    private long loggedAt = System.nanoTime() - LOG_INTERVAL_NANOS;

    LoopLoad(String name) {
        this.name = name;
    }

    void opened() {
        clients++;
    }

    /** A client of the loop is gone; {@code wasBehind} when it was counted behind. */
    void closed(boolean wasBehind) {
        clients--;
        if (wasBehind) {
            caughtUp();
        }
    }

    void fellBehind() {
        behind++;
    }

    void caughtUp() {
        behind--;
    }

    /**
     * Whether at least half the loop's clients, and at least {@link #MIN_BEHIND}, are behind: then a client past its
     * limits is one of many readers the source outruns, not a slow consumer to cut.
     */
    boolean mostlyBehind() {
        boolean now = behind >= MIN_BEHIND && 2 * behind >= clients;
        if (now && !overloaded && System.nanoTime() - loggedAt >= LOG_INTERVAL_NANOS) {
            loggedAt = System.nanoTime();
            LOG.warn("{}: {} of its {} clients are behind: the source outruns them, dropping what does not fit"
                    + " instead of disconnecting them", name, behind, clients);
        }
        overloaded = now;
        return now;
    }

    int behind() {
        return behind;
    }

    int clients() {
        return clients;
    }
}
