package io.pushline.examples;

import io.pushline.netty.client.PushClient;
import java.nio.charset.StandardCharsets;

/**
 * A Java client of {@link TickerExample}: subscribes to every symbol and prints each price. It survives server
 * restarts: it reconnects with backoff and jitter and subscribes again by itself.
 */
public final class TickerClientExample {
    private TickerClientExample() {
    }

    /**
     * Connects to {@code localhost:5567} (or the first argument as the port) and prints prices until stopped.
     *
     * @param args optional port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5567;
        // tag::client[]
        PushClient client = PushClient.builder()
                .host("localhost")
                .port(port)
                .onMessage(m -> System.out.println(m.topic() + " " + new String(m.payload(), StandardCharsets.UTF_8)))
                .build();
        client.psubscribe("stock.*");       // remembered: sent again after every reconnect
        client.connect();                   // completes on the first connection; retries until then
        // end::client[]
        try (client) {
            Examples.runUntilStopped(client);
        }
    }
}
