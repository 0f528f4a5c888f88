package io.pushline.examples.cli;

import io.pushline.PushMetrics;
import io.pushline.netty.PushServer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Prints a one-line summary of a server's metrics at a fixed rate, on a daemon thread. */
final class StatsPrinter {
    private final PushServer server;
    private final PrintStream out;
    private final double seconds;
    private PushMetrics last;

    private StatsPrinter(PushServer server, Duration every, PrintStream out) {
        this.server = server;
        this.out = out;
        this.seconds = every.toNanos() / 1e9;
        this.last = server.metrics();
    }

    static void start(PushServer server, Duration every, PrintStream out) {
        StatsPrinter printer = new StatsPrinter(server, every, out);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pushline-stats");
            t.setDaemon(true);
            return t;
        });
        long millis = every.toMillis();
        timer.scheduleAtFixedRate(printer::print, millis, millis, TimeUnit.MILLISECONDS);
    }

    static String line(PushMetrics now, PushMetrics before, double seconds) {
        return String.format(java.util.Locale.ROOT,
                "stats: connections=%d topics=%d patterns=%d in=%d (%.0f/s) out=%d (%.0f/s, %.1f MiB/s) "
                        + "dropped=%d slow=%d refused=%d source=%s down=%d downtime=%.1fs",
                now.connections(), now.topics(), now.patterns(), now.messagesReceived(),
                (now.messagesReceived() - before.messagesReceived()) / seconds, now.messagesDelivered(),
                (now.messagesDelivered() - before.messagesDelivered()) / seconds,
                (now.bytesDelivered() - before.bytesDelivered()) / seconds / (1024 * 1024),
                now.messagesDroppedTotal(), now.slowConsumers(), now.connectionsRefused(), now.sourceState(),
                now.sourceDownEvents(), now.sourceDowntime().toMillis() / 1000.0);
    }

    private void print() {
        PushMetrics now = server.metrics();
        out.println(line(now, last, seconds));
        last = now;
    }
}
