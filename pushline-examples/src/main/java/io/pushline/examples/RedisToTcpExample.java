package io.pushline.examples;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.MessageSource;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;

/**
 * A relay of one Redis channel to raw TCP clients, as a library user writes it: every message published to the
 * Redis channel {@code updates} reaches every TCP client on port 5567 as a CRLF-terminated line, and what clients
 * send is echoed back.
 *
 * <pre>
 * java -cp pushline.jar io.pushline.examples.RedisToTcpExample [redis://localhost:6379] [5567]
 * redis-cli PUBLISH updates "follow the white rabbit"
 * </pre>
 */
public final class RedisToTcpExample {
    private RedisToTcpExample() {
    }

    /**
     * Builds and starts the server.
     *
     * @param redisUri the Redis URI, for example {@code redis://localhost:6379}
     * @param port the port, 0 for any free one
     * @return the started server
     */
    public static PushServer start(String redisUri, int port) {
        // tag::builder[]
        MessageSource redis = RedisMessageSource.create(redisUri);
        PushServer server = PushServer.builder()
                .port(port)
                .source(redis)
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
     * @param args optional Redis URI and port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        String uri = args.length > 0 ? args[0] : "redis://localhost:6379";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5567;
        try (PushServer server = start(uri, port)) {
            System.out.println("Relaying Redis channel \"updates\" to TCP clients on port " + server.port());
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        }
    }
}
