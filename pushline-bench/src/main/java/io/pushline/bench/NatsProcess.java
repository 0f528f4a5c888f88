package io.pushline.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code nats-server} on a free loopback port (and its monitoring port), started and stopped by the load
 * tool. No JetStream: the scenarios measure core subjects.
 */
final class NatsProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int monitorPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private NatsProcess(Process process, int port, int monitorPort) {
        this.process = process;
        this.port = port;
        this.monitorPort = monitorPort;
    }

    /** Starts nats-server and waits until it greets a connection with {@code INFO}. */
    static NatsProcess start(String binary) throws IOException, InterruptedException {
        int port = RedisProcess.freePort();
        int monitor = RedisProcess.freePort();
        String bin = binary;
        if (bin.equals("nats-server") && Files.isExecutable(Path.of("/usr/sbin/nats-server"))) {
            bin = "/usr/sbin/nats-server"; // Debian's place, not on every PATH
        }
        Process p = new ProcessBuilder(List.of(bin, "--addr", "127.0.0.1", "--port", Integer.toString(port),
                "--http_port", Integer.toString(monitor))).redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "pushline-bench-nats-" + port + ".log"))
                .start();
        NatsProcess nats = new NatsProcess(p, port, monitor);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                s.setSoTimeout(1_000);
                InputStream in = s.getInputStream();
                if (new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("INFO")) {
                    return nats;
                }
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("nats-server did not start on port " + port
                            + " (is nats-server installed?)", notYet);
                }
                TimeUnit.MILLISECONDS.sleep(20); // polling a child process's startup; no async API to wait on
            }
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** How many client subscriptions on {@code subject} the server holds (its monitoring endpoint, {@code connz}). */
    long subscriptions(String subject) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort
                + "/connz?subs=1&limit=100000")).build(), HttpResponse.BodyHandlers.ofString()).body();
        String needle = "\"" + subject + "\"";
        long n = 0;
        for (int at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
