package io.pushline.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The tests' own jnats connection to the private server, beside the source under test: publishes "from outside"
 * (confirmed by a flush) and manages JetStream streams. It reconnects forever, quickly, so that it outlives server
 * restarts.
 */
final class NatsTestClient implements AutoCloseable {
    private final Connection connection;

    NatsTestClient(String url) {
        this(new Options.Builder().server(url));
    }

    NatsTestClient(Options.Builder options) {
        try {
            connection = Nats.connect(options.maxReconnects(-1).reconnectWait(Duration.ofMillis(50))
                    .connectionTimeout(Duration.ofSeconds(5)).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Connection connection() {
        return connection;
    }

    /** A core publish, returned once the server confirmed it (a flush; jnats's flushes must not overlap). */
    synchronized void publish(String subject, byte[] payload) {
        connection.publish(subject, payload);
        flush();
    }

    synchronized void flush() {
        try {
            connection.flush(Duration.ofSeconds(10));
        } catch (TimeoutException e) {
            throw new AssertionError("NATS did not confirm within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The names of the streams that capture a subject. */
    List<String> streamsOf(String subject) {
        try {
            return jsm().getStreamNames(subject);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JetStreamApiException e) {
            throw new AssertionError(e);
        }
    }

    /** Deletes the history stream of a topic, as an operator (or a lost disk) would. */
    void deleteHistory(String topic) {
        try {
            for (String name : streamsOf(HistoryStreams.subject(topic))) {
                jsm().deleteStream(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JetStreamApiException e) {
            throw new AssertionError(e);
        }
    }

    JetStreamManagement jsm() throws IOException {
        return connection.jetStreamManagement();
    }

    @Override
    public void close() {
        NatsClient.closeQuietly(connection);
    }
}
