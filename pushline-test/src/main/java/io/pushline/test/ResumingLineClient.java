package io.pushline.test;

import io.pushline.Position;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

/**
 * A {@code commands} client on line framing that checks the resume contract as it goes: it subscribes one topic
 * with history, reads a random number of pushes, cuts its connection abruptly (TCP reset), connects again with
 * {@code SUB <topic> FROM <last position>}, and so on. Every push must follow the previous one by exactly one
 * offset in the same epoch, across all its connections, and every resume must answer {@code RECOVERED}; anything
 * else throws an {@link AssertionError} that names what came after what. Checks are cheap (no allocation-heavy
 * assertions per line) so that the client keeps up with a fast stream.
 *
 * <p>Not thread-safe: one thread runs one client.
 */
public final class ResumingLineClient {
    private final String host;
    private final int port;
    private final String topic;
    private Position last;
    private long read;
    private int resumes;

    /**
     * Creates a client; nothing is connected yet.
     *
     * @param host the server's host
     * @param port the server's port
     * @param topic the topic, which must have history on the server
     */
    public ResumingLineClient(String host, int port, String topic) {
        this.host = host;
        this.port = port;
        this.topic = topic;
    }

    /**
     * Runs {@code connections} connections: the first one subscribes plainly (and learns the top from
     * {@code +OK <top>}), each later one resumes from the last position read. Each reads between {@code minReads}
     * and {@code maxReads} pushes, then is cut.
     *
     * @param connections how many connections, at least 1
     * @param minReads the fewest pushes read per connection
     * @param maxReads the most pushes read per connection (exclusive)
     * @param progress told the offset of each push read (for a publisher that paces itself on its readers)
     * @throws AssertionError when a push does not follow the previous one, or a resume is not recovered
     */
    public void run(int connections, int minReads, int maxReads, LongConsumer progress) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int c = 0; c < connections; c++) {
            try (Socket socket = new Socket(host, port)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                OutputStream out = socket.getOutputStream();
                out.write((last == null ? "SUB " + topic + "\r\n" : "SUB " + topic + " FROM " + last + "\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                String reply = in.readLine();
                String[] parts = reply == null ? new String[0] : reply.split(" ");
                Position top = parts.length >= 2 ? Position.parse(parts[1]).orElse(null) : null;
                if (!"+OK".equals(parts.length > 0 ? parts[0] : null) || top == null) {
                    throw new AssertionError("SUB " + topic + " answered: " + reply);
                }
                if (last == null) {
                    last = top;
                    progress.accept(top.offset());
                } else {
                    if (!reply.contains(" RECOVERED ")) {
                        throw new AssertionError("resume from " + last + " answered: " + reply);
                    }
                    resumes++;
                }
                int want = random.nextInt(minReads, maxReads);
                String context = "connection " + (c + 1) + " of " + connections + ", after '" + reply + "'";
                for (int i = 0; i < want; i++) {
                    String line = in.readLine();
                    String[] msg = line == null ? new String[0] : line.split(" ", 4);
                    Position p = msg.length >= 3 && msg[0].equals("MSG") && msg[1].equals(topic)
                            ? Position.parse(msg[2]).orElse(null) : null;
                    if (p == null || !p.follows(last)) {
                        throw new AssertionError("after " + last + " came: " + line + " (push " + (i + 1) + " of "
                                + context + ")");
                    }
                    last = p;
                    read++;
                    progress.accept(p.offset());
                }
                socket.setSoLinger(true, 0); // cut with a reset, not a polite close
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Returns how many pushes the client read, over all its connections.
     *
     * @return the count
     */
    public long read() {
        return read;
    }

    /**
     * Returns how many resumes answered {@code RECOVERED}.
     *
     * @return the count
     */
    public int resumes() {
        return resumes;
    }

    /**
     * Returns the position of the last push read (or of the top of the first subscription).
     *
     * @return the position, or null before the first subscription
     */
    public Position last() {
        return last;
    }
}
