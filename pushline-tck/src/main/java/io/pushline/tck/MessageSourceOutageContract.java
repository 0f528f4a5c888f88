package io.pushline.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.SourceState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageSourceContract} plus what happens when the broker goes away and comes back, for sources whose
 * broker the test can stop and start: the states reported ({@link SourceState#DOWN}, then {@link SourceState#UP},
 * with {@link SourceState#DEGRADED} allowed on the way for a source whose broker connections drop and return one by
 * one), one re-subscription, and messages flowing again on every topic and pattern subscribed before or during the
 * outage.
 *
 * <pre>{@code
 * class MySourceContractIT extends MessageSourceOutageContract {
 *     protected MessageSource newSource() { ... }
 *     protected void publishExternally(String topic, byte[] payload) { ... }
 *     protected void stopBroker() { broker.stop(); }
 *     protected void startBroker() { broker.start(); }
 * }
 * }</pre>
 */
public abstract class MessageSourceOutageContract extends MessageSourceContract {
    /** How long a source may take to notice an outage, and to come back once the broker is back. */
    protected static final Duration OUTAGE_TIMEOUT = Duration.ofSeconds(20);
    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();
    /** How long one publish after the outage is waited for before it is published again. */
    private static final Duration RETRY = Duration.ofMillis(500);

    /** Creates the contract test. */
    protected MessageSourceOutageContract() {
    }

    /** Stops the broker (its connections drop); returns once it is down. */
    protected abstract void stopBroker();

    /** Starts the broker again, with the state it keeps across restarts; returns once it accepts connections. */
    protected abstract void startBroker();

    @Test
    void outageIsReportedAndEverySubscriptionComesBack() throws Exception {
        await(source().subscribe("tck.outage"));
        boolean patterns = source().capabilities().patterns();
        if (patterns) {
            await(source().psubscribe("tck.outage.p.*"));
        }
        stopBroker();
        try {
            within(() -> source().state() == SourceState.DOWN, "DOWN reported");
            List<CompletableFuture<Void>> during = new ArrayList<>();
            during.add(source().subscribe("tck.outage.during"));
            during.add(source().unsubscribe("tck.outage.never"));
            assertThat(during).as("changes wait for the broker").noneMatch(CompletableFuture::isDone);
        } finally {
            startBroker();
        }
        within(() -> source().state() == SourceState.UP && recorder().resubscriptions() == 1, "UP and resubscribed");
        // a source with several broker connections (a cluster's shards) may pass through DEGRADED while they drop
        // and return one by one; the outage itself is DOWN, then UP, each once
        assertThat(recorder().states()).as("states reported").filteredOn(s -> s != SourceState.DEGRADED)
                .containsExactly(SourceState.DOWN, SourceState.UP);
        assertThat(recorder().states()).as("states reported").endsWith(SourceState.UP);

        publishUntilDelivered("tck.outage");
        publishUntilDelivered("tck.outage.during");
        if (patterns) {
            publishUntilDelivered("tck.outage.p.x");
        }
    }

    /**
     * Publishes, and again every {@link #RETRY} while nothing arrives (the first copies may be lost while the broker
     * applies the re-subscription), until one arrives on {@code topic}.
     */
    private void publishUntilDelivered(String topic) throws InterruptedException {
        recorder().clear();
        long deadline = System.nanoTime() + OUTAGE_TIMEOUT.toNanos();
        while (true) {
            publishExternally(topic, "after".getBytes(StandardCharsets.UTF_8));
            RecordingListener.Received r = recorder().poll(RETRY);
            if (r != null && r.message().topic().equals(topic)) {
                return;
            }
            assertThat(System.nanoTime()).as("a message on " + topic + " after the outage").isLessThan(deadline);
        }
    }

    private static void within(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + OUTAGE_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) { // polls, as Awaitility would (this kit depends on JUnit and AssertJ only)
            assertThat(System.nanoTime()).as(what + " within " + OUTAGE_TIMEOUT).isLessThan(deadline);
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
