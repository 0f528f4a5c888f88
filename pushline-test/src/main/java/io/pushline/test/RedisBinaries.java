package io.pushline.test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the Redis binaries the test kit runs: on the {@code PATH}, or where an environment variable says. */
final class RedisBinaries {
    private RedisBinaries() {
    }

    /** {@code redis-server}: {@code REDIS_SERVER}, or the {@code PATH}. */
    static String server() {
        return find("redis-server", "REDIS_SERVER");
    }

    /** {@code redis-cli}: {@code REDIS_CLI}, next to a configured {@code REDIS_SERVER}, or the {@code PATH}. */
    static String cli() {
        String server = System.getenv("REDIS_SERVER");
        if ((System.getenv("REDIS_CLI") == null || System.getenv("REDIS_CLI").isBlank()) && server != null
                && !server.isBlank()) {
            Path sibling = Path.of(server).resolveSibling("redis-cli");
            if (Files.isExecutable(sibling)) {
                return sibling.toString();
            }
        }
        return find("redis-cli", "REDIS_CLI");
    }

    private static String find(String name, String variable) {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            if (Files.isExecutable(Path.of(configured))) {
                return configured;
            }
            throw new IllegalStateException(variable + "=" + configured + " is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(name + " was not found on the PATH. These tests run a private Redis: "
                + "install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) "
                + "or set " + variable + " to the binary's path.");
    }
}
