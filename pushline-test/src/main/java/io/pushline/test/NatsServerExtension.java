package io.pushline.test;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a private {@code nats-server} with JetStream ({@code -js}) on a free loopback port for a test class: never
 * the machine's shared one, so tests can {@link #stop()}, {@link #start()}, {@link #restart()} and
 * {@link #restartEmpty() wipe} it. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NatsServerExtension nats = new NatsServerExtension();
 * }</pre>
 *
 * <p>The binary is {@code nats-server} on the {@code PATH} (or in {@code /usr/sbin}, where Debian puts it), or the
 * file named by the {@code NATS_SERVER} environment variable. When it is missing the test <b>fails</b> with an
 * install hint; it never skips. JetStream keeps its data in {@code target/nats-<port>/} (emptied when the extension
 * starts, kept across {@link #restart()}), and the server's log goes to {@code target/nats-<port>.log}.
 */
public final class NatsServerExtension implements BeforeAllCallback, AfterAllCallback {
    private volatile List<String> extraArgs;
    private int port;
    private Path store;
    private Process process;

    /** Creates an extension whose server runs with JetStream and default settings. */
    public NatsServerExtension() {
        this(List.of());
    }

    /**
     * Creates an extension whose server runs with extra command-line arguments.
     *
     * @param extraArgs passed to {@code nats-server} after the defaults, for example
     *     {@code List.of("--user", "u", "--pass", "p")}
     */
    public NatsServerExtension(List<String> extraArgs) {
        this.extraArgs = List.copyOf(extraArgs);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        port = freePort();
        store = Path.of("target", "nats-" + port).toAbsolutePath();
        deleteStore();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
        deleteStore();
    }

    /**
     * Returns the port the server listens on (stable across restarts).
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the server's URL, {@code nats://127.0.0.1:<port>}.
     *
     * @return the URL
     */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /**
     * Returns the directory JetStream stores its streams in.
     *
     * @return the store directory
     */
    public Path storeDir() {
        return store;
    }

    /**
     * Tells whether the server process is running.
     *
     * @return whether it runs
     */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the server on {@link #port()} and waits until it greets a connection with {@code INFO}. Does nothing
     * when it runs.
     */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        String binary = findBinary();
        List<String> cmd = new ArrayList<>(List.of(binary, "--addr", "127.0.0.1", "--port", Integer.toString(port),
                "-js", "--store_dir", store.toString()));
        cmd.addAll(extraArgs);
        try {
            File log = new File("target", "nats-" + port + ".log");
            Files.createDirectories(log.toPath().getParent());
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        await("nats-server on port " + port + " greets with INFO").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(this::greets);
    }

    private boolean greets() throws IOException {
        if (!isRunning()) {
            throw new IllegalStateException("nats-server exited with status " + process.exitValue() + "; see target/nats-"
                    + port + ".log");
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(1_000);
            InputStream in = s.getInputStream();
            byte[] info = in.readNBytes(4);
            return new String(info, StandardCharsets.US_ASCII).equals("INFO");
        }
    }

    /**
     * Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until it is gone. Connected clients see the
     * connection drop; JetStream's data stays. Does nothing when it is not running.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            signal("CONT"); // a frozen server cannot act on SIGTERM
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping nats-server", e);
        } finally {
            process = null;
        }
    }

    /** Stops and starts the server on the same port, with its JetStream data. */
    public void restart() {
        stop();
        start();
    }

    /** Stops the server, deletes its JetStream data (every stream is gone) and starts it again on the same port. */
    public synchronized void restartEmpty() {
        stop();
        deleteStore();
        start();
    }

    /**
     * Stops the server and starts it again on the same port with other extra arguments (kept for later starts).
     *
     * @param newExtraArgs the arguments after the defaults, as for the constructor
     */
    public synchronized void restartWith(List<String> newExtraArgs) {
        stop();
        extraArgs = List.copyOf(newExtraArgs);
        start();
    }

    /**
     * Freezes the server with {@code SIGSTOP}: connections stay open and nothing is answered. {@link #resume()}
     * undoes it; {@link #stop()} of a frozen server works.
     */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause() frozen} server run again ({@code SIGCONT}). */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null) {
            throw new IllegalStateException("nats-server is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling nats-server", e);
        }
    }

    private void deleteStore() {
        if (store == null || !Files.exists(store)) {
            return;
        }
        try (Stream<Path> files = Files.walk(store)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + store, e);
        }
    }

    private static String findBinary() {
        String configured = System.getenv("NATS_SERVER");
        if (configured != null && !configured.isBlank()) {
            if (Files.isExecutable(Path.of(configured))) {
                return configured;
            }
            throw new IllegalStateException("NATS_SERVER=" + configured + " is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin"
                + File.pathSeparator + "/usr/local/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nats-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("nats-server was not found on the PATH or in /usr/sbin. These tests run a "
                + "private NATS server with JetStream: install it (Debian/Ubuntu: sudo apt-get install nats-server; "
                + "macOS: brew install nats-server; or a release from the NATS project) or set NATS_SERVER to the "
                + "binary's path.");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
