package io.pushline.test;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code redis-server} process of a {@link RedisClusterExtension}: a loopback port (its cluster bus on the port
 * plus 10000), a directory of its own under {@code target/} (its {@code nodes.conf} and log), and the process the
 * extension started. Its role changes with failovers; its port and cluster node id do not, across restarts too.
 * Thread-safe: starting and stopping are serialized; the getters never wait for them.
 */
public final class ClusterNode {
    private final int port;
    private final Path dir;
    private final List<String> args;
    private volatile Process process;
    private volatile String id;

    ClusterNode(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.args = List.copyOf(extraArgs);
    }

    /**
     * Returns the node's port on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the node's URI, {@code redis://127.0.0.1:<port>}.
     *
     * @return the URI
     */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Returns the node's cluster id (fixed when the cluster was created, kept across restarts).
     *
     * @return the 40-character id
     */
    public String id() {
        return id;
    }

    /**
     * Tells whether the process runs.
     *
     * @return whether it runs
     */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Returns the process id, for CPU figures.
     *
     * @return the pid
     * @throws IllegalStateException when the node is not running
     */
    public long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(this + " is not running");
        }
        return p.pid();
    }

    /**
     * Runs one command on a new connection to this node and returns its reply, as
     * {@link RedisServerExtension#command(Object...)} does.
     *
     * @param command the command and its arguments
     * @return the reply
     * @throws IllegalStateException when the node answers with an error
     */
    public Object command(Object... command) {
        try (RespClient resp = new RespClient("127.0.0.1", port)) {
            return resp.command(command);
        }
    }

    /** Starts the process with its configuration file and waits until it answers PING. No-op when running. */
    synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(RedisBinaries.server(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "no",
                "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes.conf").toString(),
                "--dir", dir.toString(), "--daemonize", "no"));
        cmd.addAll(args);
        try {
            Files.createDirectories(dir);
            File log = dir.resolve("redis.log").toFile();
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server on port " + port, e);
        }
        await(this + " answers PING").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> "PONG".equals(command("PING")));
        if (id == null) {
            id = (String) command("CLUSTER", "MYID");
        }
    }

    /** SIGTERM, then SIGKILL after 5 s; waits until the process is gone. No-op when it is not running. */
    synchronized void stop() {
        end(false);
    }

    /** SIGKILL ({@code kill -9}): no shutdown, no goodbye to the cluster; waits until the process is gone. */
    synchronized void kill() {
        end(true);
    }

    private void end(boolean kill) {
        if (process == null) {
            return;
        }
        try {
            if (kill) {
                process.destroyForcibly();
            } else {
                process.destroy();
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + this, e);
        } finally {
            process = null;
        }
    }

    /**
     * Describes the node by its address.
     *
     * @return for example {@code 127.0.0.1:30001}
     */
    @Override
    public String toString() {
        return "127.0.0.1:" + port;
    }
}
