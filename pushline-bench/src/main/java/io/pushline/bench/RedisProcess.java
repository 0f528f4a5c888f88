package io.pushline.bench;

import io.pushline.test.RespClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A private {@code redis-server} on a free loopback port, started and stopped by the load tool. */
final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private RedisProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts redis-server with no persistence and room for {@code maxClients}, and waits until it answers. */
    static RedisProcess start(String binary, int maxClients) throws IOException, InterruptedException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(binary, "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--maxclients", Integer.toString(maxClients), "--daemonize", "no", "--loglevel", "warning"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "pushline-bench-redis-" + port + ".log"))
                .start();
        RedisProcess redis = new RedisProcess(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (RespClient r = new RespClient("127.0.0.1", port)) {
                if ("PONG".equals(r.command("PING"))) {
                    return redis;
                }
            } catch (UncheckedIOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("redis-server did not start on port " + port
                            + " (is redis-server installed?)", notYet);
                }
                TimeUnit.MILLISECONDS.sleep(20); // polling a child process's startup; no async API to wait on
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
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
