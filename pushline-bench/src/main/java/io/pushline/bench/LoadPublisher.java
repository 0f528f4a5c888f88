package io.pushline.bench;

import java.io.IOException;

/** What the load tool publishes with: payloads {@code P<seq> <System.nanoTime()> xxx...}, paced or flat out. */
interface LoadPublisher extends AutoCloseable {
    /**
     * Publishes for {@code seconds}; {@code rate} messages per second, or as fast as Redis takes them when 0, with at
     * most {@code window} unacknowledged. Returns how many were published (all acknowledged on return).
     */
    long run(String channel, int size, double rate, double seconds, int window) throws IOException;

    /** How many subscribers Redis says it delivered to, summed over the publishes. */
    long receivers();

    @Override
    void close();
}
