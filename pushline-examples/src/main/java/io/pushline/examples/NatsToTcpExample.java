package io.pushline.examples;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.netty.PushServer;
import io.pushline.nats.NatsMessageSource;

/**
 * {@link RedisToTcpExample} with NATS behind it: the same host code with another source. Every message published to
 * the NATS subject {@code updates} reaches every TCP client on port 5567 as a CRLF-terminated line, and what clients
 * send is echoed back.
 *
 * <pre>
 * java -cp pushline.jar io.pushline.examples.NatsToTcpExample [nats://localhost:4222] [5567]
 * nats pub updates "follow the white rabbit"
 * </pre>
 *
 * <p>What changes with the broker is how names are read: topics are NATS subjects, and a {@code commands} client's
 * {@code PSUB} takes NATS wildcards ({@code news.*} is exactly one more token, {@code news.>} one or more), where on
 * Redis it takes a glob ({@code news.*} is any run of bytes, so it also matches {@code news.eu.fr}). The server
 * checks names with the source's dialect, so a client sees the broker's meaning.
 */
public final class NatsToTcpExample {
    private NatsToTcpExample() {
    }

    /**
     * Builds and starts the server.
     *
     * @param natsUrl the NATS URL, for example {@code nats://localhost:4222}
     * @param port the port, 0 for any free one
     * @return the started server
     */
    public static PushServer start(String natsUrl, int port) {
        // tag::builder[]
        MessageSource nats = NatsMessageSource.create(natsUrl);
        PushServer server = PushServer.builder()
                .port(port)
                .source(nats)
                .framing(Framing.lines())
                .defaultTopics("updates")          // raw protocol: every client gets these on connect
                .onClientFrame(ClientHandlers.echo())
                .build()
                .start();                          // binds; port(0) picks a free port, server.port() tells it
        // end::builder[]
        return server;
    }

    /**
     * Runs the server until the process is stopped.
     *
     * @param args optional NATS URL and port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        String url = args.length > 0 ? args[0] : "nats://localhost:4222";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5567;
        try (PushServer server = start(url, port)) {
            System.out.println("Relaying NATS subject \"updates\" to TCP clients on port " + server.port());
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        }
    }
}
