package io.pushline.test;

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

/**
 * A blocking socket client for end-to-end tests that speaks either framing, as {@code nc} would. Reads time out
 * after 10 seconds, so a missing push fails the test instead of hanging it.
 */
public final class TcpTestClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /**
     * Connects to {@code 127.0.0.1:port}.
     *
     * @param port the server's port
     */
    public TcpTestClient(int port) {
        this(port, 0);
    }

    /**
     * Connects to {@code 127.0.0.1:port} with a small receive buffer when {@code receiveBuffer > 0}, so that a
     * client that does not read stalls the server's writes quickly.
     *
     * @param port the server's port
     * @param receiveBuffer the socket receive buffer in bytes, or 0 for the system default
     */
    public TcpTestClient(int port, int receiveBuffer) {
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

    /**
     * Returns the socket.
     *
     * @return the socket
     */
    public Socket socket() {
        return socket;
    }

    /**
     * Sends text as UTF-8 bytes, exactly as given (include the line ending).
     *
     * @param raw the text
     */
    public void send(String raw) {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends bytes exactly as given.
     *
     * @param bytes the bytes
     */
    public void sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one length-prefixed frame.
     *
     * @param payload the frame's payload
     */
    public void sendFrame(byte[] payload) {
        sendBytes(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
    }

    /**
     * Reads one CRLF-terminated line; fails on a bare LF, on end of stream and after 10 seconds.
     *
     * @return the line without its CRLF, decoded as UTF-8
     */
    public String readLine() {
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

    /**
     * Reads one length-prefixed frame.
     *
     * @return the frame's payload
     */
    public byte[] readFrame() {
        try {
            int length = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads one byte and tells whether the server closed the connection instead (end of stream or reset).
     *
     * @return whether the connection was closed by the server
     */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true; // connection reset counts as closed
        }
    }

    /**
     * Reads and discards up to {@code maxBytes} until the server closes the connection.
     *
     * @param maxBytes the most bytes to discard
     * @return whether the server closed the connection (end of stream or reset) within that many bytes
     */
    public boolean closedByServerAfterDraining(int maxBytes) {
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

    /**
     * Returns the buffered input stream.
     *
     * @return the input
     */
    public InputStream input() {
        return in;
    }

    /** Closes abruptly with a TCP RST instead of a FIN, as a killed client would. */
    public void reset() {
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
