package io.pushline.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** What one target of a {@link LoadCommand} measured, and how it is printed. */
final class LoadResult {
    final LoadCommand.Target target;
    final int clients;
    long serverPid;
    double connectSeconds;
    long rssBefore;
    long rssConnected;
    long heapBefore;
    long heapConnected;
    long published;
    double publishSeconds;
    double seconds;
    long expected;
    long received;
    double serverCpu;
    double serverSys;
    double redisCpu;
    long rssPeak;
    long omemPeak;
    long disconnects;
    /** Over the measured phase: the server's write system calls, the clients' reads, bytes and CPU. */
    /** The server's socket send calls over the measured phase (see {@link SendCounter}). */
    long serverWrites;
    /** Whether {@link #serverWrites} counts every send call; false: {@code write} and {@code writev} only. */
    boolean serverSendsCounted;
    long clientReads;
    long clientBytesRead;
    double clientCpu;
    Histogram latency = new Histogram(3);
    Histogram toLastClient;
    Map<String, String> serverStats;
    long downBefore;
    long subscribedAtEnd = -1;
    long droppedBefore;
    int overflowOpened;
    long overflowClosed;
    double overflowFloodCpu;
    double overflowIdleCpu;
    int serverOpenFiles;

    int stalledClients;

    LoadResult(LoadCommand.Target target, int clients) {
        this.target = target;
        this.clients = clients;
    }

    double rate() {
        return seconds <= 0 ? 0 : received / seconds;
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "%n== %s ==%n", target);
        out.printf(Locale.ROOT, "connected %d clients in %.2f s%n", clients, connectSeconds);
        long conns = Math.max(1, clients);
        out.printf(Locale.ROOT, "server RSS %.1f MiB idle -> %.1f MiB connected: %.2f KiB per connection",
                mib(rssBefore), mib(rssConnected), (rssConnected - rssBefore) / 1024.0 / conns);
        if (!target.direct()) {
            out.printf(Locale.ROOT, "; heap after GC %.1f -> %.1f MiB: %.2f KiB per connection",
                    mib(heapBefore), mib(heapConnected), (heapConnected - heapBefore) / 1024.0 / conns);
        }
        out.println();
        if (overflowOpened > 0 || overflowClosed > 0) {
            out.printf(Locale.ROOT, "overflow: %d more connections accepted by the kernel, %d closed by the "
                    + "server; server CPU %.2f s during the flood, %.2f s in the 5 idle s after; server open "
                    + "files %d%n", overflowOpened, overflowClosed, overflowFloodCpu, overflowIdleCpu,
                    serverOpenFiles);
            out.printf(Locale.ROOT, "after overflow: published %d, expected %d deliveries (every open "
                    + "connection), received %d%n", published, expected, received);
        }
        if (published > 0 && latency.getTotalCount() > 0) {
            out.printf(Locale.ROOT, "published %d in %.2f s (%.0f msg/s); deliveries expected %d, received %d, "
                    + "lost %d (%.4f%%)%n", published, publishSeconds, published / publishSeconds, expected,
                    received, expected - received, 100.0 * (expected - received) / Math.max(1, expected));
            out.printf(Locale.ROOT, "deliveries/s %.0f over %.2f s%n", rate(), seconds);
            out.printf(Locale.ROOT, "latency ms p50 %.3f p99 %.3f p999 %.3f max %.3f%n",
                    ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)),
                    ms(latency.getValueAtPercentile(99.9)), ms(latency.getMaxValue()));
            if (toLastClient != null && toLastClient.getTotalCount() > 0) {
                out.printf(Locale.ROOT, "time until the last client had a message, ms (%d messages reached "
                        + "all): p50 %.3f p99 %.3f max %.3f%n", toLastClient.getTotalCount(),
                        ms(toLastClient.getValueAtPercentile(50)), ms(toLastClient.getValueAtPercentile(99)),
                        ms(toLastClient.getMaxValue()));
            }
            out.printf(Locale.ROOT, "CPU s: %s %.2f (%.2f in the kernel), %s %.2f; server RSS peak %.1f "
                    + "MiB%s; client disconnects %d%n", !target.direct() ? "pushline" : target.broker() + "(server)",
                    serverCpu, serverSys, target.broker(), redisCpu, mib(rssPeak), omemPeak > 0 ? String.format(Locale.ROOT,
                            "; redis largest client output buffer %.1f MiB", mib(omemPeak)) : "", disconnects);
        }
        if (published > 0 && received > 0) {
            out.printf(Locale.ROOT, "per delivery: server %s %.4f (%.0f bytes per call), client reads "
                    + "%.4f (%.0f bytes per read), client CPU %.3f us, server CPU %.3f us; client event loops CPU %.2f s"
                    + "%n", serverSendsCounted ? "send calls" : "write and writev calls (sendto not counted)",
                    serverWrites / (double) received, clientBytesRead / (double) Math.max(1, serverWrites),
                    clientReads / (double) received, clientBytesRead / (double) Math.max(1, clientReads),
                    clientCpu * 1e6 / received, serverCpu * 1e6 / received, clientCpu);
        }
        if (subscribedAtEnd >= 0 && published > 0) {
            out.printf(Locale.ROOT, "clients still connected at the end: %d of %d%n", subscribedAtEnd,
                    clients + stalledClients);
        }
        if (serverStats != null) {
            out.println("pushline stats (cumulative, warm-up included): " + serverStats);
            if (published > 0 && !serverStats.isEmpty()) {
                long down = Long.parseLong(serverStats.get("sourceDownEvents")) - downBefore;
                long dropped = Long.parseLong(serverStats.get("droppedSlow"))
                        + Long.parseLong(serverStats.get("droppedOverload")) - droppedBefore;
                out.printf(Locale.ROOT, "measured phase: cut off by %s %d times; messages shed by the server "
                        + "%d%n", target.broker(), down, dropped);
            }
        }
    }

    private static double mib(long bytes) {
        return bytes / 1024.0 / 1024.0;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
