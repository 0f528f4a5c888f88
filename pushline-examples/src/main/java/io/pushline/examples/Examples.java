package io.pushline.examples;

import java.util.concurrent.CountDownLatch;

/** What the example mains share: running until the process is asked to stop, then closing gracefully. */
final class Examples {
    private Examples() {
    }

    /**
     * Blocks until the JVM shuts down (SIGTERM, Ctrl-C), closing {@code resource} first from a shutdown hook, so
     * that a server drains and closes its clients instead of dropping them.
     *
     * @param resource what to close on shutdown (a server, a client)
     * @throws InterruptedException when interrupted while waiting
     */
    static void runUntilStopped(AutoCloseable resource) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("closing failed: " + e);
            } finally {
                closed.countDown();
            }
        }, "example-shutdown"));
        closed.await();
    }
}
