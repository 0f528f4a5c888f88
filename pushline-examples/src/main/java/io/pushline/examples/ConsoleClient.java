package io.pushline.examples;

import io.pushline.Framing;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A console client: prints every frame the server pushes and, at the same time, sends every line typed. A thread
 * reads the socket while the caller's thread reads the console.
 */
public final class ConsoleClient {
    private final String host;
    private final int port;
    private final Framing framing;
    private final javax.net.ssl.SSLContext tls;

    /**
     * Creates a client that speaks plain TCP.
     *
     * @param host the server's host
     * @param port the server's port
     * @param framing the server's framing
     */
    public ConsoleClient(String host, int port, Framing framing) {
        this(host, port, framing, null);
    }

    /**
     * Creates a client that speaks TLS with {@code tls} (its trust and, for mutual TLS, key material), checking
     * that the server's certificate names {@code host}.
     *
     * @param host the server's host
     * @param port the server's port
     * @param framing the server's framing
     * @param tls the TLS context; null for plain TCP
     */
    public ConsoleClient(String host, int port, Framing framing, javax.net.ssl.SSLContext tls) {
        this.host = host;
        this.port = port;
        this.framing = framing;
        this.tls = tls;
    }

    /**
     * Connects, then prints pushes to {@code out} and sends lines from {@code console} until the server closes
     * the connection or the console ends.
     *
     * @param console where typed lines come from
     * @param out where pushes are printed, one per line
     * @return 0 when the console ended, 1 when the server closed the connection
     * @throws IOException when the connection cannot be made or fails
     */
    public int run(InputStream console, PrintStream out) throws IOException {
        try (Socket socket = tls == null ? new Socket() : tls.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setTcpNoDelay(true);
            if (socket instanceof javax.net.ssl.SSLSocket ssl) {
                javax.net.ssl.SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                params.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(host)));
                ssl.setSSLParameters(params);
                ssl.startHandshake();
            }
            Thread reader = new Thread(() -> printPushes(socket, out), "pushline-console-reader");
            reader.setDaemon(true);
            reader.start();
            OutputStream toServer = socket.getOutputStream();
            BufferedReader typed = new BufferedReader(new InputStreamReader(console, StandardCharsets.UTF_8));
            for (String line; (line = typed.readLine()) != null && reader.isAlive(); ) {
                toServer.write(frame(line.getBytes(StandardCharsets.UTF_8)));
                toServer.flush();
            }
            boolean serverClosed = !reader.isAlive();
            socket.shutdownOutput();
            return serverClosed ? 1 : 0;
        }
    }

    private byte[] frame(byte[] payload) {
        if (framing.kind() == Framing.Kind.LINES) {
            return ByteBuffer.allocate(payload.length + 2).put(payload).put((byte) '\r').put((byte) '\n').array();
        }
        return ByteBuffer.allocate(payload.length + 4).putInt(payload.length).put(payload).array();
    }

    private void printPushes(Socket socket, PrintStream out) {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            while (true) {
                byte[] payload = framing.kind() == Framing.Kind.LINES ? readLine(in) : readFrame(in);
                out.write(payload);
                out.write('\n');
                out.flush();
            }
        } catch (EOFException e) {
            out.flush();
            System.err.println("connection closed by the server");
        } catch (IOException e) {
            System.err.println("connection lost: " + e.getMessage());
        }
    }

    private static byte[] readLine(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new EOFException();
            }
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return java.util.Arrays.copyOf(bytes, end);
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return payload;
    }

    /**
     * Connects to {@code host:port} (default {@code localhost:5567}) with line framing.
     *
     * @param args optional host and port
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        String host = args.length > 0 ? args[0] : "localhost";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5567;
        System.exit(new ConsoleClient(host, port, Framing.lines()).run(System.in, System.out));
    }
}
