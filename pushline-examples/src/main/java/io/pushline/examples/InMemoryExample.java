package io.pushline.examples;

import io.pushline.InMemoryMessageSource;
import io.pushline.netty.PushServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A push server on the embedded in-memory source, with nothing else installed: every line typed on standard
 * input is pushed to every client ({@code nc localhost 5567}).
 */
public final class InMemoryExample {
    private InMemoryExample() {
    }

    /**
     * Starts a server on an in-memory source whose default topic is {@code updates}.
     *
     * @param port the port, 0 for any free one
     * @return the started server; publish with {@code ((InMemoryMessageSource) server.source()).publish(...)}
     */
    public static PushServer start(int port) {
        InMemoryMessageSource source = InMemoryMessageSource.create();
        return PushServer.builder().port(port).source(source).defaultTopics("updates").build().start();
    }

    /**
     * Runs the server and publishes each line typed on standard input.
     *
     * @param args optional port
     * @throws IOException when standard input fails
     */
    public static void main(String[] args) throws IOException {
        try (PushServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 5567)) {
            InMemoryMessageSource source = (InMemoryMessageSource) server.source();
            System.out.println("Type lines to push them to clients on port " + server.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                source.publish("updates", line.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
