package io.pushline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Counts a process's socket send system calls over a phase. {@code /proc/<pid>/io}'s {@code syscw} counts
 * {@code write} and {@code writev} only; Netty's epoll transport sends a single buffer with {@code sendto}, which no
 * {@code /proc} counter sees. So the calls are counted with {@code perf stat} on the syscall tracepoints
 * ({@code write}, {@code writev}, {@code sendto}, {@code sendmsg}) when {@code perf} can attach, and with
 * {@code syscw} (write and writev only) otherwise.
 */
final class SendCounter {
    private static final String EVENTS = "syscalls:sys_enter_write,syscalls:sys_enter_writev,"
            + "syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg";

    private final long pid;
    private final Process perf;
    private final Path output;
    private final long syscw0;

    private SendCounter(long pid, Process perf, Path output) {
        this.pid = pid;
        this.perf = perf;
        this.output = output;
        this.syscw0 = ProcStats.ioCounter(pid, "syscw");
    }

    /** Starts counting the send calls of {@code pid}. */
    static SendCounter start(long pid) {
        try {
            Path output = Files.createTempFile("pushline-bench-sends", ".csv");
            Process perf = null;
            try {
                perf = new ProcessBuilder("perf", "stat", "-x", ",", "-o", output.toString(), "-e", EVENTS, "-p",
                        Long.toString(pid)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                System.err.println("perf not available, counting write and writev only: " + e.getMessage());
            }
            return new SendCounter(pid, perf, output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops counting; returns the send calls since {@link #start}, or minus the {@code write} and {@code writev}
     * calls ({@code syscw}, negated to tell the caller that {@code sendto} is missing) when perf did not count.
     */
    long stop() throws InterruptedException {
        long syscw = ProcStats.ioCounter(pid, "syscw") - syscw0;
        try {
            if (perf != null && perf.isAlive()) {
                // perf stat prints its counts on SIGINT (not on the SIGTERM of Process.destroy())
                new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor();
                if (perf.waitFor(10, TimeUnit.SECONDS)) {
                    long counted = parse(Files.readAllLines(output));
                    if (counted >= 0) {
                        return counted;
                    }
                } else {
                    perf.destroyForcibly();
                }
            }
            return -syscw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                System.err.println("cannot delete " + output + ": " + e.getMessage());
            }
        }
    }

    /** Sums perf's CSV counts ({@code <not counted>} is zero); -1 if no event line is there (perf failed). */
    private static long parse(List<String> lines) {
        long sum = 0;
        int events = 0;
        for (String line : lines) {
            String[] f = line.split(",");
            if (f.length > 2 && f[2].startsWith("syscalls:")) {
                events++;
                if (!f[0].startsWith("<")) {
                    sum += Long.parseLong(f[0].trim());
                }
            }
        }
        return events == 4 ? sum : -1;
    }
}
