package io.pushline.test;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a private {@code redis-server} on a free loopback port for a test class: never the machine's shared one,
 * so tests can {@link #stop()} and {@link #start()} it to simulate outages. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 * }</pre>
 *
 * <p>The binary is {@code redis-server} on the {@code PATH}, or the file named by the {@code REDIS_SERVER}
 * environment variable. When it is missing the test <b>fails</b> with an install hint; it never skips. The server's
 * log goes to {@code target/redis-<port>.log}. Nothing is persisted.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {
    private volatile List<String> extraArgs;
    private int port;
    private Process process;

    /**
     * Creates an extension whose server runs with default settings.
     */
    public RedisServerExtension() {
        this(List.of());
    }

    /**
     * Creates an extension whose server runs with extra command-line arguments.
     *
     * @param extraArgs passed to {@code redis-server} after the defaults, for example
     *     {@code List.of("--requirepass", "secret")}
     */
    public RedisServerExtension(List<String> extraArgs) {
        this.extraArgs = List.copyOf(extraArgs);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        port = freePort();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /**
     * Returns the port the server listens on (stable across {@link #stop()} and {@link #start()}).
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the server's URI, {@code redis://127.0.0.1:<port>}.
     *
     * @return the URI
     */
    public String uri() {
        return "redis://127.0.0.1:" + port;
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
     * Starts the server on {@link #port()} and waits until it answers {@code PING}. Does nothing when it runs.
     */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        String binary = RedisBinaries.server();
        List<String> cmd = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        try {
            File log = new File("target", "redis-" + port + ".log");
            Files.createDirectories(log.toPath().getParent());
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        await("redis-server on port " + port + " answers PING").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> "PONG".equals(command("PING")));
    }

    /**
     * Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until it is gone. Connected clients see the
     * connection drop. Does nothing when it is not running.
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
            throw new IllegalStateException("interrupted while stopping redis-server", e);
        } finally {
            process = null;
        }
    }

    /**
     * Stops and starts the server on the same port.
     */
    public void restart() {
        stop();
        start();
    }

    /**
     * Stops the server and starts it again on the same port with other extra arguments (kept for later starts),
     * for example a password its clients do not know.
     *
     * @param newExtraArgs the arguments after the defaults, as for the constructor
     */
    public synchronized void restartWith(List<String> newExtraArgs) {
        stop();
        extraArgs = List.copyOf(newExtraArgs);
        start();
    }

    /**
     * Freezes the server with {@code SIGSTOP}: its connections stay open and nothing is answered, as with a hung
     * process or a partitioned network. {@link #resume()} undoes it; {@link #stop()} of a frozen server works.
     */
    public synchronized void pause() {
        signal("STOP");
    }

    /**
     * Lets a {@link #pause() frozen} server run again ({@code SIGCONT}).
     */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null) {
            throw new IllegalStateException("redis-server is not running");
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
            throw new IllegalStateException("interrupted while signalling redis-server", e);
        }
    }

    /**
     * Runs one command on a new connection and returns its reply: {@code String} for status and bulk replies,
     * {@code Long} for integers, {@code List} for arrays, {@code null} for nil.
     *
     * @param args the command and its arguments; {@code byte[]} arguments are sent as they are, anything else as
     *     its UTF-8 string
     * @return the reply
     * @throws IllegalStateException when redis answers with an error
     */
    public Object command(Object... args) {
        try (RespClient resp = new RespClient("127.0.0.1", port)) {
            for (int i = 0; i + 1 < extraArgs.size(); i++) {
                if (extraArgs.get(i).equals("--requirepass")) {
                    resp.command("AUTH", extraArgs.get(i + 1));
                }
            }
            return resp.command(args);
        }
    }

    /**
     * Publishes a message and returns how many subscriptions received it.
     *
     * @param channel the channel
     * @param payload the payload bytes
     * @return the receiver count
     */
    public long publish(String channel, byte[] payload) {
        return (Long) command("PUBLISH", channel, payload);
    }

    /**
     * Returns the channels with at least one subscriber ({@code PUBSUB CHANNELS}), sorted.
     *
     * @return the channels
     */
    @SuppressWarnings("unchecked")
    public List<String> channels() {
        List<String> channels = new ArrayList<>((List<String>) command("PUBSUB", "CHANNELS"));
        Collections.sort(channels);
        return channels;
    }

    /**
     * Returns the number of subscribed patterns ({@code PUBSUB NUMPAT}).
     *
     * @return the count
     */
    public long numpat() {
        return (Long) command("PUBSUB", "NUMPAT");
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
