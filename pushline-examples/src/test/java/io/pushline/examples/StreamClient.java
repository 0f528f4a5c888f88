package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.Position;
import io.pushline.test.TcpTestClient;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@code commands} client on line framing that records what it gets per topic: positions and payloads in arrival
 * order, {@code $lost} notices, and anything unexpected. It subscribes first ({@link #subscribe}), then reads either
 * on a thread of its own while a stream runs ({@link #startReading}) or, for a short burst that fits in the socket
 * buffers, on the caller's thread ({@link #read}). Speaks the wire protocol directly: what it records is what the
 * server sent. It answers the server's heartbeat {@code PING} with {@code PONG}.
 */
final class StreamClient implements AutoCloseable {
    final int port;
    private final TcpTestClient tcp;
    /** The top each topic had when subscribed ({@code +OK <top>}); absent for topics without history. */
    final Map<String, Position> tops = new ConcurrentHashMap<>();
    final Map<String, List<Position>> positions = new ConcurrentHashMap<>();
    final Map<String, List<String>> payloads = new ConcurrentHashMap<>();
    /** Per topic, in arrival order: {@code <position> <payload>} per message, {@code $lost <position>} per notice. */
    final Map<String, List<String>> events = new ConcurrentHashMap<>();
    final List<String> lost = new CopyOnWriteArrayList<>();
    final List<String> unexpected = new CopyOnWriteArrayList<>();
    private volatile Throwable ended;
    private volatile boolean closing;
    private Thread reader;

    StreamClient(int port) {
        this.port = port;
        this.tcp = new TcpTestClient(port);
    }

    /** Subscribes and waits for the {@code +OK}; before any reading starts. */
    void subscribe(String topic) {
        tcp.send("SUB " + topic + "\r\n");
        String reply = tcp.readLine();
        assertThat(reply).as("SUB %s", topic).startsWith("+OK");
        if (reply.length() > 4) {
            tops.put(topic, Position.parse(reply.substring(4).split(" ")[0]).orElseThrow());
        }
        positions.put(topic, Collections.synchronizedList(new ArrayList<>()));
        payloads.put(topic, Collections.synchronizedList(new ArrayList<>()));
        events.put(topic, Collections.synchronizedList(new ArrayList<>()));
    }

    /** Sends a raw line and reads the next line: for commands made before any reading starts. */
    String command(String line) {
        tcp.send(line + "\r\n");
        return tcp.readLine();
    }

    /** Reads exactly {@code n} lines on this thread. */
    void read(int n) {
        for (int i = 0; i < n; i++) {
            record(tcp.readLine());
        }
    }

    /** Reads on a thread of its own until closed; the connection ending earlier is kept as {@link #ended()}. */
    void startReading() {
        reader = new Thread(() -> {
            while (!closing) {
                try {
                    record(tcp.readLine());
                } catch (UncheckedIOException e) {
                    if (!(e.getCause() instanceof SocketTimeoutException)) { // idle for a while: keep reading
                        if (!closing) {
                            ended = e;
                        }
                        return;
                    }
                }
            }
        }, "stream-client-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    private void record(String line) {
        if (line.equals("PING")) { // the server's heartbeat, when the client was silent for 30 s
            tcp.send("PONG\r\n");
            return;
        }
        String[] parts = line.split(" ", 4);
        if (parts.length == 4 && parts[0].equals("MSG") && parts[1].equals("$lost")) {
            lost.add(line);
            if (events.containsKey(parts[3])) {
                events.get(parts[3]).add("$lost " + parts[2]);
            }
        } else if (parts.length == 4 && parts[0].equals("MSG") && positions.containsKey(parts[1])) {
            positions.get(parts[1]).add(parts[2].equals("-") ? null : Position.parse(parts[2]).orElseThrow());
            payloads.get(parts[1]).add(parts[3]);
            events.get(parts[1]).add(parts[2] + " " + parts[3]);
        } else {
            unexpected.add(line);
        }
    }

    /** How many messages of the topic arrived so far. */
    int count(String topic) {
        return payloads.get(topic).size();
    }

    /** Why the connection ended while the client still read, or null when it did not. */
    Throwable ended() {
        return ended;
    }

    @Override
    public void close() {
        closing = true;
        tcp.close();
        if (reader != null) {
            try {
                reader.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the reader of port " + port + " stopped", e);
            }
        }
    }
}
