package io.pushline.spring.boot;

import io.pushline.netty.PushServer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts a {@link PushServer} when the application context has refreshed, and closes it gracefully when the
 * context closes, in the phase of Boot's web-server graceful shutdown ({@link #PHASE}): the server stops accepting,
 * lets queued writes drain for up to {@code pushline.timeouts.shutdown}, then closes its clients, in parallel with
 * the web server's own drain and within {@code spring.lifecycle.timeout-per-shutdown-phase}.
 *
 * <p>The auto-configuration declares one for the server it creates. For a {@link PushServer} bean of your own, declare
 * {@code new PushServerLifecycle(server)} as a bean too, or start and close the server yourself. A server cannot be
 * started again once stopped: a context that is stopped and started again fails on the second start. Thread-safe.
 */
public final class PushServerLifecycle implements SmartLifecycle {
    /**
     * The phase of Boot's web-server graceful shutdown ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE},
     * {@code SmartLifecycle.DEFAULT_PHASE - 1024}). Started after the beans of lower phases, stopped before them.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private static final Logger LOG = LoggerFactory.getLogger(PushServerLifecycle.class);

    private final PushServer server;
    private boolean running;
    private boolean stopped;

    /**
     * Creates a lifecycle for a server that is not started yet.
     *
     * @param server the server
     */
    public PushServerLifecycle(PushServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    /**
     * Starts the server: binds its port and starts its source.
     *
     * @throws IllegalStateException when the server was stopped before
     * @throws io.pushline.PushlineException when the port cannot be bound or the source cannot start
     */
    @Override
    public synchronized void start() {
        if (stopped) {
            throw new IllegalStateException("a Pushline server cannot be started again once stopped");
        }
        if (!running) {
            server.start();
            running = true;
            LOG.info("Pushline server started: {}, source {} ({})", server, server.source(), server.sourceState());
        }
    }

    /** Closes the server and waits until it is closed (bounded by its shutdown timeout). */
    @Override
    public void stop() {
        markStopped();
        server.close();
    }

    /**
     * Closes the server without blocking the caller, and runs {@code callback} when it is closed: Spring waits
     * for it up to {@code spring.lifecycle.timeout-per-shutdown-phase}.
     *
     * @param callback run once the server is closed, whether cleanly or not
     */
    @Override
    public void stop(Runnable callback) {
        markStopped();
        LOG.info("Pushline server closing: draining its connections");
        server.closeAsync().whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("Pushline server did not close cleanly", error);
            } else {
                LOG.info("Pushline server closed");
            }
            callback.run();
        });
    }

    private synchronized void markStopped() {
        running = false;
        stopped = true;
    }

    /**
     * Tells whether the server was started and not stopped since.
     *
     * @return whether it runs
     */
    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /**
     * Returns {@link #PHASE}.
     *
     * @return the phase
     */
    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Returns the server this lifecycle starts and stops.
     *
     * @return the server
     */
    public PushServer server() {
        return server;
    }
}
