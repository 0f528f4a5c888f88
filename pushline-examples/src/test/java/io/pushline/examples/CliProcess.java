package io.pushline.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code java -jar target/pushline.jar ...} as a child process, with paranoid leak detection on. */
final class CliProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final List<String> allStdout = new CopyOnWriteArrayList<>();

    CliProcess(String... args) {
        Path jar = Path.of("target", "pushline.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run the package phase first");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.leakDetection.level=paranoid", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        try {
            process = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pump(process.getInputStream(), new java.util.AbstractCollection<String>() {
            @Override
            public boolean add(String line) {
                allStdout.add(line);
                return stdout.add(line);
            }

            @Override
            public java.util.Iterator<String> iterator() {
                return allStdout.iterator();
            }

            @Override
            public int size() {
                return allStdout.size();
            }
        });
        pump(process.getErrorStream(), stderr);
    }

    private static void pump(InputStream in, java.util.Collection<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.add(line);
                }
            } catch (IOException e) {
                sink.add("(stream failed: " + e + ")");
            }
        }, "cli-output");
        t.setDaemon(true);
        t.start();
    }

    /** Waits for the "listening on port N" line and returns N. */
    int awaitPort() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = stdout.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            } else if (!process.isAlive()) {
                throw new IllegalStateException("pushline exited with " + process.exitValue() + ": " + stderr);
            }
        }
        throw new IllegalStateException("no 'listening on port' line within 30 s; stderr: " + stderr);
    }

    /** Types a line on the process's standard input. */
    void type(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Closes the process's standard input: end of input. */
    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Sends SIGTERM and returns the exit status. Through the process handle: {@code Process.destroy()} would also
     * close the output streams, losing what the process prints while it stops.
     */
    int terminate(Duration timeout) throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("pushline did not exit within " + timeout + " after SIGTERM");
        }
        return process.exitValue();
    }

    /** Kills the process with SIGKILL (no shutdown hook runs) and waits until it is gone. */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pushline still runs 10 s after SIGKILL");
        }
    }

    /** Waits for the process to exit by itself and returns the exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("pushline did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /** Every line the process printed on standard output so far. */
    List<String> stdout() {
        return allStdout;
    }

    List<String> stderr() {
        return stderr;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
