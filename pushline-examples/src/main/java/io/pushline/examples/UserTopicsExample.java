package io.pushline.examples;

import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Per-user topics: every client is subscribed server-side to {@code user.<its principal>} as soon as it
 * authenticated, also on the {@code raw} protocol, where clients cannot subscribe by themselves. Since every node
 * subscribes the same Redis channel, whoever publishes to {@code user.alice} reaches all of Alice's connections on
 * every node. Start two nodes on one Redis, connect to both with the token {@code alice} as the first line, then:
 *
 * <pre>
 * java -cp pushline.jar io.pushline.examples.UserTopicsExample redis://localhost:6379 5567
 * java -cp pushline.jar io.pushline.examples.UserTopicsExample redis://localhost:6379 5568
 * redis-cli PUBLISH user.alice "your order shipped"
 * </pre>
 */
public final class UserTopicsExample {
    private UserTopicsExample() {
    }

    /**
     * Starts one node. The toy authenticator takes a user name as its token; use a real one
     * ({@code JwtAuthenticator}) in production.
     *
     * @param redisUri the Redis URI
     * @param port the port, 0 for any free one
     * @return the started node
     */
    public static PushServer start(String redisUri, int port) {
        // tag::userTopics[]
        Authenticator users = (client, token) -> {
            String user = new String(token, StandardCharsets.UTF_8).trim();
            if (!user.matches("[a-z]{1,32}")) {
                return CompletableFuture.completedFuture(null); // refused
            }
            client.subscribe("user." + user); // the client's own topic, subscribed by the server
            return CompletableFuture.completedFuture(Authentication.of(user));
        };
        return PushServer.builder().port(port).source(RedisMessageSource.create(redisUri)).authenticator(users)
                .build().start();
        // end::userTopics[]
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
        try (PushServer server = start(uri, port)) {
            System.out.println("Per-user topics on port " + server.port() + ": send a user name as your first line");
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        }
    }
}
