package io.pushline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged benchmark jar as a user would, briefly, against a private redis-server: the load tool's own
 * results must be right (no loss at a low rate, both targets measured), the limit on open files must be met by
 * clean refusals, and the JMH benchmarks must run.
 */
class LoadToolIT {
    private static final Path JAR = Path.of("target", "pushline-bench.jar");

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    private static List<Long> numbers(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        List<Long> found = new ArrayList<>();
        while (m.find()) {
            found.add(Long.parseLong(m.group(1)));
        }
        return found;
    }

    @Test
    void measuresRedisDirectAndPushlineWithoutLossAtAModestRate() throws Exception {
        String out = run("-jar", JAR.toString(), "load", "--clients", "20", "--rate", "500", "--duration", "2",
                "--warmup", "1");
        assertThat(out).contains("== REDIS ==", "== PUSHLINE ==", "ratio PUSHLINE/REDIS");
        // how many messages fit into the window depends on timing (999 or 1,000 at 500/s for 2 s): what must hold
        // is that each target delivered every message it published to every client, and lost none
        List<Long> expected = numbers(out, "deliveries expected (\\d+)");
        assertThat(expected).hasSize(2).allSatisfy(n -> assertThat(n).isBetween(19_000L, 20_000L));
        assertThat(numbers(out, "received (\\d+), lost")).isEqualTo(expected);
        assertThat(numbers(out, "lost (\\d+) ")).containsExactly(0L, 0L);
        assertThat(out).contains("measured phase: cut off by Redis 0 times; messages shed by the server 0");
        // the per-delivery costs, for each target, and their ratios
        // send calls counted by perf where it can attach, else write and writev only (sendto missed: maybe none)
        assertThat(numbers(out, "per delivery: server (?:send calls|write and writev calls \\(sendto not counted\\))"
                + " \\d+\\.\\d+ \\(\\S+ bytes per call\\), client reads \\d+\\.\\d+ \\((\\d+) bytes per read\\)"))
                .hasSize(2).allSatisfy(bytes -> assertThat(bytes).isPositive());
        assertThat(out).contains("ratio PUSHLINE/REDIS per delivery: server CPU", "clients disconnected 0 vs 0");
    }

    @Test
    void measuresNatsDirectAndPushlineOverNatsWithoutLossAtAModestRate() throws Exception {
        String out = run("-jar", JAR.toString(), "load", "--targets", "NATS,PUSHLINE_NATS", "--clients", "20",
                "--rate", "500", "--duration", "2", "--warmup", "1");
        assertThat(out).contains("== NATS ==", "== PUSHLINE_NATS ==", "ratio PUSHLINE_NATS/NATS");
        List<Long> expected = numbers(out, "deliveries expected (\\d+)");
        assertThat(expected).hasSize(2).allSatisfy(n -> assertThat(n).isBetween(19_000L, 20_000L));
        assertThat(numbers(out, "received (\\d+), lost")).isEqualTo(expected);
        assertThat(numbers(out, "lost (\\d+) ")).containsExactly(0L, 0L);
        assertThat(numbers(out, "clients still connected at the end: (\\d+)")).containsExactly(20L, 20L);
        assertThat(out).contains("measured phase: cut off by NATS 0 times; messages shed by the server 0");
    }

    @Test
    void refusesConnectionsBeyondTheOpenFileLimitCleanlyAndKeepsServingTheOthers() throws Exception {
        String out = run("-jar", JAR.toString(), "load", "--targets", "PUSHLINE", "--idle", "--clients", "300",
                "--overflow", "900", "--server-nofile", "1024");
        long opened = numbers(out, "overflow: (\\d+) more connections").get(0);
        long closed = numbers(out, "accepted by the kernel, (\\d+) closed").get(0);
        long open = numbers(out, "connections=(\\d+)").get(0);
        long refused = numbers(out, "refused=(\\d+)").get(0);
        assertThat(opened).as("every connect completed at TCP level").isEqualTo(900);
        assertThat(refused).as("refused by the server").isPositive().isEqualTo(closed);
        assertThat(open + refused).as("each connection is either held or refused").isEqualTo(1_200);
        assertThat(open).as("held below the open-file limit").isLessThan(1_024).isGreaterThanOrEqualTo(300);
        // the idle seconds after the flood cost next to no CPU: no busy accept loop
        Matcher cpu = Pattern.compile("([0-9.]+) s in the 5 idle s after").matcher(out);
        assertThat(cpu.find()).isTrue();
        assertThat(Double.parseDouble(cpu.group(1))).isLessThan(1.0);
        List<Long> after = numbers(out, "deliveries \\(every open connection\\), received (\\d+)");
        List<Long> expected = numbers(out, "after overflow: published \\d+, expected (\\d+)");
        assertThat(expected.get(0)).isPositive();
        assertThat(after).containsExactly(expected.get(0));
    }

    @Test
    void jmhBenchmarksRun() throws Exception {
        String out = run("-cp", JAR.toString(), "org.openjdk.jmh.Main", "-f", "0", "-wi", "0", "-i", "1", "-r",
                "100ms", "-p", "clients=10", "-p", "burst=1", "-p", "subscribers=10", "-p", "size=200");
        assertThat(out).contains("FanOutBenchmark.fanOut", "FramingBenchmark.rawLine", "RegistryBenchmark.lookup")
                .doesNotContain("<failure>");
    }
}
