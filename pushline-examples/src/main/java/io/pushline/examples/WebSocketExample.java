package io.pushline.examples;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Browsers on the same server: a page at {@code http://localhost:8080/} subscribes to {@code clock} through
 * {@code pushline.js} over the WebSocket endpoint {@code /ws}, and resumes after a reconnect (the topic has
 * history). A TCP client ({@code nc localhost 5567}, then {@code SUB clock}) gets the same messages.
 */
public final class WebSocketExample {
    /** The page: a module script importing the JavaScript client the server serves beside it. */
    static final String PAGE = """
            <!DOCTYPE html><meta charset="utf-8"><title>clock</title>
            <p>state: <b id="state">starting</b></p><ol id="ticks" reversed></ol>
            <script type="module">
              import { PushlineClient } from './pushline.js';
              const client = new PushlineClient('ws://' + location.host + '/ws', {
                onState: (state) => { document.getElementById('state').textContent = state; },
              });
              client.subscribe('clock', (m) => {
                const li = document.createElement('li');
                li.textContent = m.payload + ' (position ' + m.position + ')';
                document.getElementById('ticks').prepend(li);
              });
              client.connect();
            </script>
            """;

    private WebSocketExample() {
    }

    /**
     * Starts the server: TCP on {@code port}, browsers on {@code webSocketPort}.
     *
     * @param source where messages come from
     * @param port the TCP port, 0 for any free one
     * @param webSocketPort the browsers' port, 0 for any free one
     * @return the started server
     */
    public static PushServer start(InMemoryMessageSource source, int port, int webSocketPort) {
        // tag::webSocketServer[]
        return PushServer.builder()
                .port(port)
                .protocol(Protocol.COMMANDS)
                .source(source)
                .webSocket(ServerWebSocket.builder()
                        .port(webSocketPort)                 // the endpoint: ws://host:8080/ws
                        .javaScriptClient(true)              // serves /pushline.js
                        .resource("/", "text/html; charset=utf-8", PAGE.getBytes(StandardCharsets.UTF_8))
                        .build())
                .build()
                .start();
        // end::webSocketServer[]
    }

    /**
     * Runs the clock on ports 5567 and 8080 (or the arguments) until the process is stopped.
     *
     * @param args optional TCP port and WebSocket port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.defaults());
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (PushServer server = start(source, args.length > 0 ? Integer.parseInt(args[0]) : 5567,
                args.length > 1 ? Integer.parseInt(args[1]) : 8080)) {
            clock.scheduleAtFixedRate(() -> source.publish("clock", LocalTime.now().truncatedTo(ChronoUnit.SECONDS)
                    .toString().getBytes(StandardCharsets.UTF_8)), 0, 1, TimeUnit.SECONDS);
            System.out.println("open http://localhost:" + server.webSocketPort() + "/");
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        } finally {
            clock.shutdownNow();
        }
    }
}
