package io.pushline.test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket client for end-to-end tests, on the JDK's own implementation ({@link java.net.http.WebSocket}), so
 * that the server is tested against a client that shares no code with it. Text messages arrive as {@link String},
 * binary ones as {@code byte[]}; reads time out after 10 seconds, so a missing message fails the test instead of
 * hanging it. It answers pings by itself, as browsers do, and can stop reading to play a slow consumer.
 */
public final class WebSocketTestClient implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 10;

    private final WebSocket socket;
    private final Listener listener;

    private WebSocketTestClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.listener = listener;
    }

    /**
     * Connects, failing the test when the handshake does not complete within 10 seconds.
     *
     * @param uri the endpoint, {@code ws://127.0.0.1:<port>/ws}
     * @return the connected client
     */
    public static WebSocketTestClient connect(URI uri) {
        return connect(uri, Map.of(), null);
    }

    /**
     * Connects with extra handshake headers (such as {@code Origin}) and, for {@code wss://}, a TLS context.
     *
     * @param uri the endpoint
     * @param headers headers to add to the upgrade request
     * @param tls the TLS context, or null for the default
     * @return the connected client
     * @throws IllegalStateException when the handshake fails
     */
    public static WebSocketTestClient connect(URI uri, Map<String, String> headers, SSLContext tls) {
        try {
            return open(uri, headers, tls).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("WebSocket handshake with " + uri + " failed: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("WebSocket handshake with " + uri + " did not complete", e);
        }
    }

    /**
     * Starts a handshake, for tests of handshakes that must fail.
     *
     * @param uri the endpoint
     * @param headers headers to add to the upgrade request
     * @param tls the TLS context, or null for the default
     * @return the client once connected, or the handshake's failure
     */
    public static CompletableFuture<WebSocketTestClient> open(URI uri, Map<String, String> headers,
            SSLContext tls) {
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(TIMEOUT_SECONDS));
        if (tls != null) {
            http.sslContext(tls);
        }
        WebSocket.Builder builder = http.build().newWebSocketBuilder();
        headers.forEach(builder::header);
        Listener listener = new Listener();
        return builder.buildAsync(uri, listener).thenApply(ws -> new WebSocketTestClient(ws, listener));
    }

    /**
     * Sends a text message.
     *
     * @param text the message
     * @return this client
     */
    public WebSocketTestClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /**
     * Sends a binary message.
     *
     * @param bytes the message
     * @return this client
     */
    public WebSocketTestClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /**
     * Takes the next message, text or binary.
     *
     * @return a {@link String} or a {@code byte[]}
     * @throws AssertionError when none arrives within 10 seconds
     */
    public Object next() {
        try {
            Object m = listener.messages.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no WebSocket message within " + TIMEOUT_SECONDS + " s");
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Takes the next message, which must be a text message.
     *
     * @return its text
     */
    public String nextText() {
        Object m = next();
        if (!(m instanceof String)) {
            throw new AssertionError("expected a text message, got " + describe(m));
        }
        return (String) m;
    }

    /**
     * Takes the next message, which must be a binary message.
     *
     * @return its bytes
     */
    public byte[] nextBinary() {
        Object m = next();
        if (!(m instanceof byte[])) {
            throw new AssertionError("expected a binary message, got " + describe(m));
        }
        return (byte[]) m;
    }

    /**
     * Stops reading: the JDK client then stops taking bytes from the socket, the TCP window fills and the server's
     * writes back up, as with a slow consumer.
     */
    public void stopReading() {
        listener.reading = false;
    }

    /**
     * Returns the pings received (each answered with a pong by the JDK).
     *
     * @return the count
     */
    public int pings() {
        return listener.pings.get();
    }

    /**
     * Returns the close the server sent, or the error that ended the connection.
     *
     * @return completes with {@code <status> <reason>}, or exceptionally
     */
    public CompletableFuture<String> closed() {
        return listener.closed;
    }

    /** Closes with status 1000 and aborts after a second. */
    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(1, TimeUnit.SECONDS)
                    .whenComplete((ws, error) -> socket.abort());
        } else {
            socket.abort();
        }
    }

    private static String describe(Object m) {
        return m instanceof byte[] ? "binary " + ((byte[]) m).length + " bytes" : "text '" + m + "'";
    }

    private static final class Listener implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final AtomicInteger pings = new AtomicInteger();
        volatile boolean reading = true;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        private void more(WebSocket webSocket) {
            if (reading) {
                webSocket.request(1);
            }
        }
    }
}
