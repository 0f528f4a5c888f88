package io.pushline.bench;

import io.pushline.test.RespClient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Publishes to Redis over one pipelined RESP connection, paced to a rate or at full speed, each payload
 * {@code P<seq> <System.nanoTime()> xxx...} padded to the requested size. At full speed at most {@code window}
 * PUBLISH replies are outstanding, so the publisher runs as fast as Redis accepts and no faster.
 */
final class Publisher implements LoadPublisher {
    /** Room for the longest {@code P<seq> <stamp> } prefix. */
    static final int MIN_SIZE = 48;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong receivers = new AtomicLong();
    private final Thread replies;
    private volatile IOException failure;
    /** Closed loop: deliveries so far, and the most messages per client that may be undelivered (0: open loop). */
    private LongSupplier delivered;
    private long clients;
    private long maxBehind;

    Publisher(String host, int port) throws IOException {
        socket = RespClient.connect(host, port);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        replies = new Thread(this::readReplies, "bench-publisher-replies");
        replies.setDaemon(true);
        replies.start();
    }

    /**
     * Closes the loop: from now on the publisher pauses while more than {@code maxBehind} messages per client are
     * published but not yet delivered, as a well-behaved producer watching its consumers would.
     */
    Publisher closedLoop(LongSupplier deliveries, int clientCount, int maxBehindPerClient) {
        this.delivered = deliveries;
        this.clients = clientCount;
        this.maxBehind = maxBehindPerClient;
        return this;
    }

    /** The sum of PUBLISH replies: how many subscribers Redis says it delivered to. */
    @Override
    public long receivers() {
        return receivers.get();
    }

    /**
     * Publishes for {@code seconds}; {@code rate} messages per second, or as fast as Redis takes them when 0.
     * Returns how many were published (all acknowledged by Redis on return).
     */
    @Override
    public long run(String channel, int size, double rate, double seconds, int window) throws IOException {
        byte[] head = ("*3\r\n$7\r\nPUBLISH\r\n$" + channel.length() + "\r\n" + channel + "\r\n$" + size + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + MIN_SIZE + " bytes");
        }
        byte[] payload = new byte[size + 2];
        java.util.Arrays.fill(payload, (byte) 'x');
        payload[size] = '\r';
        payload[size + 1] = '\n';
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long seq = 0;
        long delivered0 = delivered == null ? 0 : delivered.getAsLong();
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long due = rate <= 0 ? Long.MAX_VALUE : (long) ((now - start) / 1e9 * rate) + 1;
            int batch = 0;
            while (seq < due && batch < 64 && seq - acked.get() < window
                    && (maxBehind == 0 || seq * clients - (delivered.getAsLong() - delivered0) < maxBehind * clients)) {
                out.write(head);
                int n = stamp(payload, seq, System.nanoTime());
                out.write(payload, 0, size + 2);
                fillBack(payload, n);
                seq++;
                batch++;
            }
            out.flush();
            checkFailure();
            if (batch == 0) {
                if (rate > 0 && seq < window + acked.get()) {
                    long next = start + (long) (seq / rate * 1e9);
                    LockSupport.parkNanos(Math.max(10_000, next - System.nanoTime()));
                } else {
                    LockSupport.parkNanos(20_000); // the window is full: Redis is behind
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked.get() < seq && System.nanoTime() < deadline) {
            checkFailure();
            LockSupport.parkNanos(1_000_000);
        }
        return seq;
    }

    /** Writes {@code P<seq> <stamp> } at the start of the payload (no allocation); returns the length written. */
    static int stamp(byte[] payload, long seq, long stamp) {
        int i = 0;
        payload[i++] = 'P';
        i = digits(payload, i, seq);
        payload[i++] = ' ';
        if (stamp < 0) {
            payload[i++] = '-';
            stamp = -stamp;
        }
        i = digits(payload, i, stamp);
        payload[i++] = ' ';
        return i;
    }

    private static int digits(byte[] into, int at, long value) {
        int len = 1;
        for (long v = value; v >= 10; v /= 10) {
            len++;
        }
        for (int k = at + len - 1; k >= at; k--) {
            into[k] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + len;
    }

    private static void fillBack(byte[] payload, int n) {
        java.util.Arrays.fill(payload, 0, n, (byte) 'x');
    }

    private void checkFailure() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private void readReplies() {
        try {
            while (true) {
                int type = in.read();
                if (type < 0) {
                    return;
                }
                long value = 0;
                int c;
                boolean negative = false;
                StringBuilder text = type == ':' ? null : new StringBuilder();
                while ((c = in.read()) != '\r') {
                    if (c < 0) {
                        return;
                    }
                    if (text != null) {
                        text.append((char) c);
                    } else if (c == '-') {
                        negative = true;
                    } else {
                        value = value * 10 + (c - '0');
                    }
                }
                in.read();
                if (type != ':') {
                    throw new IOException("unexpected reply to PUBLISH: " + (char) type + text);
                }
                receivers.addAndGet(negative ? -value : value);
                acked.incrementAndGet();
            }
        } catch (IOException e) {
            if (!socket.isClosed()) {
                failure = e;
            }
        }
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
