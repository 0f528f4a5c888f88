package io.pushline.netty;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A blocking socket client for end-to-end tests, speaking either framing, like {@code nc} would. */
final class TestClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    TestClient(int port) {
        this(port, 0);
    }

    /** Connects with a small receive buffer when {@code receiveBuffer > 0}, so that a client that does not read
     * stalls the server's writes quickly. */
    TestClient(int port, int receiveBuffer) {
        try {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Socket socket() {
        return socket;
    }

    void send(String raw) {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendFrame(byte[] payload) {
        sendBytes(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
    }

    /** Reads one CRLF-terminated line and returns it without the CRLF; fails on a bare LF. */
    String readLine() {
        try {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed after " + line.size() + " bytes: " + line);
                }
                if (b == '\r') {
                    int lf = in.read();
                    if (lf != '\n') {
                        throw new IOException("CR not followed by LF but " + lf);
                    }
                    return line.toString(StandardCharsets.UTF_8);
                }
                if (b == '\n') {
                    throw new IOException("bare LF after: " + line);
                }
                line.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one length-prefixed frame. */
    byte[] readFrame() {
        try {
            int length = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns true when the server closed the connection (reads until EOF, failing on unexpected data). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true; // connection reset counts as closed
        }
    }

    /**
     * Reads and discards up to {@code maxBytes} until the server closes the connection; returns whether it did.
     */
    boolean closedByServerAfterDraining(int maxBytes) {
        byte[] buf = new byte[8192];
        int total = 0;
        try {
            while (total <= maxBytes) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
                total += n;
            }
            return false;
        } catch (IOException e) {
            return true; // connection reset counts as closed
        }
    }

    InputStream input() {
        return in;
    }

    /** Closes abruptly with a TCP RST instead of a FIN. */
    void reset() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
