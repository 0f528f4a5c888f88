package io.pushline.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** What {@link RedisClusterExtension} does outside Redis: running {@code redis-cli}, finding ports, clearing dirs. */
final class ClusterProcesses {
    private ClusterProcesses() {
    }

    /** Runs redis-cli to its end (at most {@link RedisClusterExtension#TIMEOUT}); fails on a non-zero exit. */
    static void cli(List<String> command) {
        try {
            Path log = Files.createTempFile(Files.createDirectories(Path.of("target")), "redis-cli-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(RedisClusterExtension.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + RedisClusterExtension.TIMEOUT + "; its output is in " + log.toAbsolutePath());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            Files.delete(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running redis-cli", e);
        }
    }

    /** {@code count} ports p, each free on 127.0.0.1 together with its cluster bus port p + 10000. */
    static List<Integer> freePorts(int count) {
        List<Integer> ports = new ArrayList<>();
        for (int attempt = 0; ports.size() < count; attempt++) {
            if (attempt > 1_000) {
                throw new IllegalStateException("no " + count + " free port pairs (p, p + 10000) on 127.0.0.1");
            }
            int port = ThreadLocalRandom.current().nextInt(20_000, 55_000);
            if (!ports.contains(port) && free(port) && free(port + 10_000)) {
                ports.add(port);
            }
        }
        return ports;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a directory and everything in it, when it exists. */
    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }
}
