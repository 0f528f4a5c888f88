package io.pushline.examples;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.client.PushClient;
import io.pushline.netty.client.ResumeListener;
import io.pushline.redis.RedisMessageSource;
import io.pushline.redis.RedisPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * No message lost across reconnects: the topics {@code orders.*} keep their last 1,000 messages in Redis for ten
 * minutes, every message gets a position, and a {@link PushClient} resumes from the last one it delivered after
 * every reconnect (and, with saved positions, after a restart of the application). Start a node, then publish:
 *
 * <pre>
 * java -cp pushline.jar io.pushline.examples.ResumeExample redis://localhost:6379 5567
 * java -jar pushline.jar publish --redis redis://localhost:6379 orders.eu "order 42 shipped"
 * java -jar pushline.jar client localhost:5567 --sub orders.eu
 * </pre>
 */
public final class ResumeExample {
    private ResumeExample() {
    }

    /** The history both the server's source and the publisher use: the same options on both sides. */
    static final HistoryOptions HISTORY = HistoryOptions.builder().size(1_000).ttl(Duration.ofMinutes(10))
            .topics(topic -> topic.startsWith("orders.")).build();

    /**
     * Starts a node whose Redis source keeps history for {@code orders.*}.
     *
     * @param redisUri the Redis URI
     * @param port the port, 0 for any free one
     * @return the started node
     */
    public static PushServer server(String redisUri, int port) {
        // tag::historyServer[]
        RedisMessageSource source = RedisMessageSource.create(RedisURI.create(redisUri), HISTORY);
        return PushServer.builder().port(port).protocol(Protocol.COMMANDS).source(source).build().start();
        // end::historyServer[]
    }

    /**
     * Publishes one order event with a position, as the host application's back end would.
     *
     * @param publisher a publisher created with {@link #HISTORY}
     * @param text the event
     * @return the event's position
     */
    public static Position publish(RedisPublisher publisher, String text) {
        // tag::historyPublisher[]
        // RedisPublisher publisher = RedisPublisher.create(RedisURI.create(redisUri), HISTORY);
        Position position = publisher.publishWithPosition("orders.eu", text.getBytes(StandardCharsets.UTF_8))
                .join();
        // end::historyPublisher[]
        return position;
    }

    /**
     * Connects a client that resumes by itself, starting from positions an earlier run saved.
     *
     * @param port the node's port
     * @param saved positions saved by an earlier run ({@link PushClient#positions()}), or an empty map
     * @param orders receives each order event once, in order
     * @param reload called when events were lost (the client must reload from the system of record)
     * @return the connected client
     */
    public static PushClient client(int port, Map<String, Position> saved, Consumer<Message> orders,
            Consumer<String> reload) {
        // tag::resumingClient[]
        PushClient client = PushClient.builder().host("localhost").port(port)
                .positions(saved)                              // where the last run stopped (may be empty)
                .onMessage(orders)                             // each message once, in order; m.position() is set
                .onResume(new ResumeListener() {
                    @Override
                    public void lost(String topic) {
                        reload.accept(topic);                  // gone from history: reload from the source of truth
                    }
                })
                .build();
        client.subscribe("orders.eu");                         // resumes from its position after every reconnect
        client.connect().join();
        // ... and when the application stops: save(client.positions())
        // end::resumingClient[]
        return client;
    }

    /**
     * Runs one node until the process is stopped.
     *
     * @param args optional Redis URI and port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        String uri = args.length > 0 ? args[0] : "redis://localhost:6379";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5567;
        try (PushServer server = server(uri, port)) {
            System.out.println("orders.* with history on port " + server.port());
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        }
    }
}
