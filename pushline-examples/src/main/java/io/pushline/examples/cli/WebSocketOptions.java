package io.pushline.examples.cli;

import io.pushline.Protocol;
import io.pushline.netty.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code pushline server --websocket PORT [--websocket-origin ORIGIN]...}: a WebSocket endpoint for browsers at
 * {@code /ws}, with the demo page at {@code /} and {@code pushline.js} beside it, on a port of its own.
 */
final class WebSocketOptions {
    /** The demo page, with {@value #CONFIG} where the server's settings go. */
    static final String PAGE_RESOURCE = "io/pushline/examples/demo/index.html";
    private static final String CONFIG = "{{config}}";

    @Option(names = "--websocket", converter = Converters.Port.class, paramLabel = "PORT",
            description = "Also serve browsers on this port: the WebSocket endpoint at /ws, the demo page at / "
                    + "(/?topics=a,b; default: the first --topic) and pushline.js (default: off).")
    Integer port;

    @Option(names = "--websocket-origin", converter = Converters.Origin.class, paramLabel = "ORIGIN",
            description = "With --websocket: also let pages from this origin connect, e.g. https://app.example.com; "
                    + "repeatable (default: pages of the endpoint's own origin only).")
    List<String> origins = new ArrayList<>();

    /**
     * The endpoint's settings, or null without {@code --websocket}.
     *
     * @param spec the command, for usage errors
     * @param protocol the server's protocol
     * @param topics the server's topics, the first being the page's default
     * @param history whether topics have history
     * @param allowPublish whether clients may {@code PUB}
     */
    ServerWebSocket webSocket(CommandLine.Model.CommandSpec spec, Protocol protocol, List<String> topics,
            boolean history, boolean allowPublish) {
        if (port == null) {
            if (!origins.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--websocket-origin needs --websocket");
            }
            return null;
        }
        String config = "{\"topics\":[" + String.join(",", topics.stream().map(WebSocketOptions::json).toList())
                + "],\"protocol\":\"" + protocol.name().toLowerCase(java.util.Locale.ROOT) + "\",\"path\":"
                + json(ServerWebSocket.DEFAULT_PATH) + ",\"history\":" + history + ",\"allowPublish\":" + allowPublish
                + "}";
        String page = new String(page(), StandardCharsets.UTF_8).replace(CONFIG, htmlAttribute(config));
        return ServerWebSocket.builder().port(port).allowedOrigins(origins.toArray(new String[0]))
                .javaScriptClient(true)
                .resource("/", "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    private static byte[] page() {
        try (InputStream in = WebSocketOptions.class.getClassLoader().getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("class-path resource " + PAGE_RESOURCE + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PAGE_RESOURCE, e);
        }
    }

    /** A JSON string. Topics hold no control characters, so quotes and backslashes are all there is to escape. */
    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Text for a double-quoted HTML attribute. */
    static String htmlAttribute(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
