package io.pushline.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code commands} client on line framing for {@link ClusterCostCommand}: subscribes topics, then counts the lines
 * it reads on a thread of its own; while {@link #watch watching} it also parses them, to tell when a message of some
 * topics published after a given sequence number ({@code s:<n>} payloads) arrives.
 */
final class LineReader implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final AtomicLong lines = new AtomicLong();
    private final Thread thread;
    private volatile Set<String> watched;
    private volatile long after;
    private volatile CompletableFuture<Long> resumed = new CompletableFuture<>();
    private volatile boolean closing;

    private LineReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.thread = new Thread(this::run, "line-reader-" + socket.getLocalPort());
        this.thread.setDaemon(true);
    }

    /** Connects, subscribes every topic (waiting for each {@code +OK}) and starts reading. */
    static LineReader subscribed(int port, List<String> topics) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        LineReader r = new LineReader(s);
        OutputStream out = s.getOutputStream();
        StringBuilder subs = new StringBuilder();
        topics.forEach(t -> subs.append("SUB ").append(t).append("\r\n"));
        out.write(subs.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        for (int i = 0; i < topics.size(); i++) {
            String reply = r.readLine();
            if (reply == null || !reply.startsWith("+OK")) {
                throw new IllegalStateException("SUB answered: " + reply);
            }
        }
        r.thread.start();
        return r;
    }

    /** Lines read since the subscriptions. */
    long lines() {
        return lines.get();
    }

    /** From now on, watches for a message of {@code topics} whose sequence number is above {@code after}. */
    void watch(Set<String> topics, long after) {
        this.after = after;
        this.resumed = new CompletableFuture<>();
        this.watched = topics;
    }

    /** Waits for the watched message and returns when it arrived ({@code System.nanoTime()}). */
    long awaitResumed(long timeoutNanos) throws InterruptedException, ExecutionException, TimeoutException {
        return resumed.get(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void run() {
        try {
            for (String line; (line = readLine()) != null; ) {
                lines.incrementAndGet();
                Set<String> w = watched;
                if (w != null) {
                    check(line, w);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            if (!closing) {
                resumed.completeExceptionally(e);
            }
        }
    }

    private void check(String line, Set<String> topics) {
        // MSG <topic> - s:<n>
        String[] parts = line.split(" ", 4);
        if (parts.length == 4 && topics.contains(parts[1]) && parts[3].startsWith("s:")
                && Long.parseLong(parts[3].substring(2)) > after) {
            watched = null;
            resumed.complete(System.nanoTime());
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
