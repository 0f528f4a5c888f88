package io.pushline.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes to NATS over one raw socket ({@code PUB <subject> <size>}), paced or at full speed, with the payloads of
 * {@link Publisher}. NATS does not acknowledge a core publish, so every batch (at most 64) ends with a {@code PING}:
 * its {@code PONG} says the server processed the batch, and at most {@code window} publishes are outstanding, so the
 * publisher runs as fast as NATS takes them and no faster.
 */
final class NatsLoadPublisher implements LoadPublisher {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final ConcurrentLinkedQueue<Long> batches = new ConcurrentLinkedQueue<>();
    private final AtomicLong acked = new AtomicLong();
    private final Thread replies;
    private volatile IOException failure;

    NatsLoadPublisher(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        write("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"bench-publisher\"}\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        replies = new Thread(this::readReplies, "bench-nats-publisher-replies");
        replies.setDaemon(true);
        replies.start();
    }

    @Override
    public long run(String subject, int size, double rate, double seconds, int window) throws IOException {
        if (size < Publisher.MIN_SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + Publisher.MIN_SIZE + " bytes");
        }
        byte[] head = ("PUB " + subject + " " + size + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] ping = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[size + 2];
        java.util.Arrays.fill(payload, (byte) 'x');
        payload[size] = '\r';
        payload[size + 1] = '\n';
        long base = acked.get();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long seq = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            long due = rate <= 0 ? Long.MAX_VALUE : (long) ((now - start) / 1e9 * rate) + 1;
            int batch = 0;
            synchronized (out) {
                while (seq < due && batch < 64 && seq - (acked.get() - base) < window) {
                    out.write(head);
                    int n = Publisher.stamp(payload, seq, System.nanoTime());
                    out.write(payload, 0, size + 2);
                    java.util.Arrays.fill(payload, 0, n, (byte) 'x');
                    seq++;
                    batch++;
                }
                if (batch > 0) {
                    batches.add((long) batch);
                    out.write(ping);
                }
                out.flush();
            }
            checkFailure();
            if (batch == 0) {
                if (rate > 0 && seq < window + acked.get() - base) {
                    long next = start + (long) (seq / rate * 1e9);
                    LockSupport.parkNanos(Math.max(10_000, next - System.nanoTime()));
                } else {
                    LockSupport.parkNanos(20_000); // the window is full: NATS is behind
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked.get() - base < seq && System.nanoTime() < deadline) {
            checkFailure();
            LockSupport.parkNanos(1_000_000);
        }
        return seq;
    }

    private void write(byte[] bytes) throws IOException {
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    private void checkFailure() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads the server's lines: each {@code PONG} acknowledges one batch, a {@code PING} is answered. */
    private void readReplies() {
        try {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                if (c != '\n') {
                    if (c != '\r') {
                        line.append((char) c);
                    }
                    continue;
                }
                String l = line.toString();
                line.setLength(0);
                if (l.equals("PONG")) {
                    Long n = batches.poll();
                    acked.addAndGet(n == null ? 0 : n);
                } else if (l.equals("PING")) {
                    write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                } else if (l.startsWith("-ERR")) {
                    throw new IOException("NATS refused a publish: " + l);
                }
            }
        } catch (IOException e) {
            if (!socket.isClosed()) {
                failure = e;
            }
        }
    }

    /** NATS does not count receivers. */
    @Override
    public long receivers() {
        return 0;
    }

    @Override
    public void close() {
        try {
            socket.close();
            replies.join(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
