package io.pushline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a process's CPU time and resident memory from {@code /proc} (Linux). */
final class ProcStats {
    /** Clock ticks per second for {@code /proc/<pid>/stat}; 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    /** User plus system CPU seconds the process has used so far. */
    static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat")).get(0);
        // the command name (field 2) may contain spaces: fields are counted after its closing parenthesis
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /** System (kernel) CPU seconds the process has used so far. */
    static double systemCpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat")).get(0);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[12]) / TICKS_PER_SECOND;
    }

    /**
     * A counter of {@code /proc/<pid>/io}: {@code syscw} counts the process's write system calls ({@code write},
     * {@code writev}: how Netty's epoll transport and Redis write to sockets), {@code syscr} its reads.
     */
    static long ioCounter(long pid, String name) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "io"))) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException(name + " missing from /proc/" + pid + "/io");
    }

    /** Resident set size in bytes. */
    static long rssBytes(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** Open file descriptors of the process. */
    static int openFiles(long pid) {
        try (var files = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) files.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long statusField(long pid, String name) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(name)) {
                String kb = line.substring(name.length()).trim().split("\\s+")[0];
                return Long.parseLong(kb) * 1024;
            }
        }
        throw new IllegalStateException(name + " missing from /proc/" + pid + "/status");
    }

    private static List<String> read(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " (is the process still running?)", e);
        }
    }
}
