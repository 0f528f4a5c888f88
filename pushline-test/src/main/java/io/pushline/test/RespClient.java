package io.pushline.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client for tests and tools: {@link #command} sends one command and reads its reply;
 * {@link #send} and {@link #read} do it in two steps, for pipelining and for a connection in subscriber mode.
 * Replies map to {@code String} (simple strings, and bulk strings decoded as UTF-8), {@code Long} (integers),
 * {@code List} (arrays) and {@code null}; an error reply throws {@link IllegalStateException}, an I/O failure
 * {@link UncheckedIOException}. Arguments are {@code byte[]} (sent as they are) or anything else (its UTF-8 string).
 * Reads time out after 10 seconds. Not thread-safe.
 */
public final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * Connects, with Nagle off.
     *
     * @param host the Redis host
     * @param port its port
     */
    public RespClient(String host, int port) {
        try {
            socket = connect(host, port);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to redis at " + host + ":" + port, e);
        }
    }

    /**
     * Opens a loopback-friendly TCP connection (Nagle off), for callers that speak RESP themselves.
     *
     * @param host the host
     * @param port the port
     * @return the connected socket
     * @throws IOException when it cannot connect within 5 seconds
     */
    public static Socket connect(String host, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /**
     * Encodes one command as a RESP array of bulk strings.
     *
     * @param args the command and its arguments
     * @return the bytes to send
     */
    public static byte[] encode(Object... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object arg : args) {
            byte[] bytes = arg instanceof byte[] ? (byte[]) arg : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        return b.toByteArray();
    }

    /**
     * Sends one command and returns its reply.
     *
     * @param args the command and its arguments
     * @return the reply
     */
    public Object command(Object... args) {
        send(args);
        return read();
    }

    /**
     * Sends one command without reading its reply.
     *
     * @param args the command and its arguments
     */
    public void send(Object... args) {
        try {
            out.write(encode(args));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the next reply (or pushed message, in subscriber mode).
     *
     * @return the reply
     */
    public Object read() {
        try {
            return value();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object value() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(n + 2);
                return new String(data, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(value());
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type byte " + type + " (line " + line + ")");
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed by redis");
            }
            line.write(b);
        }
        in.read();
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
