package io.pushline.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The Pushline server under test as a child JVM ({@link BenchServerCommand}), driven over its stdin/stdout. */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final int port;

    private ServerProcess(Process process) throws IOException, InterruptedException {
        this.process = process;
        this.commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
                true);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("EXIT " + e);
            }
        }, "bench-server-stdout");
        reader.setDaemon(true);
        reader.start();
        String ready = next(30, "READY ");
        port = Integer.parseInt(ready.substring(6).trim());
    }

    /**
     * Starts {@code java <jvmOptions> -cp <this classpath> io.pushline.bench.Bench server <args>}, under
     * {@code prlimit --nofile=N:N} when {@code nofile > 0}.
     */
    static ServerProcess start(List<String> jvmOptions, List<String> args, int nofile, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (nofile > 0) {
            cmd.addAll(List.of("prlimit", "--nofile=" + nofile + ":" + nofile));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Bench.class.getName(), "server"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            return new ServerProcess(p);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw new IOException(e.getMessage() + " (server log: " + log + ")", e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** The server's metrics line as a map; {@code gc} first runs a full GC so that heapUsed is live data. */
    Map<String, String> stats(boolean gc) throws InterruptedException, IOException {
        commands.println(gc ? "stats gc" : "stats");
        String line = next(60, "STATS ");
        Map<String, String> m = new HashMap<>();
        for (String kv : line.substring(6).split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    /** The next stdout line starting with {@code prefix}; other lines (JVM notices) are passed through. */
    private String next(int seconds, String prefix) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException("no " + prefix.trim() + " from the bench server in " + seconds
                        + " s (alive: " + process.isAlive() + ")");
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.startsWith("EXIT ")) {
                throw new IOException("bench server output ended: " + line);
            }
            System.err.println("server: " + line);
        }
    }

    @Override
    public void close() {
        commands.println("quit");
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static Path logFile(String name) {
        return new File(System.getProperty("java.io.tmpdir"), name).toPath();
    }
}
