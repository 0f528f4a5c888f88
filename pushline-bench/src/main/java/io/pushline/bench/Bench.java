package io.pushline.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code pushline-bench} command line: {@code load} runs a scenario, {@code server} is the Pushline server
 * process that {@code load} starts (it can also be started by hand). The JMH microbenchmarks run with
 * {@code java -cp pushline-bench.jar org.openjdk.jmh.Main}.
 */
@Command(name = "pushline-bench", mixinStandardHelpOptions = true, version = "pushline-bench 0.1.0",
        description = "Pushline benchmarks: fan-out load against Redis-direct and NATS-direct, the cost of Redis "
                + "Cluster sharded Pub/Sub, and the bench server.",
        subcommands = {LoadCommand.class, StormCommand.class, PublishCostCommand.class, ClusterCostCommand.class,
            WebSocketLoadCommand.class, BenchServerCommand.class})
public final class Bench {
    private Bench() {
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }
}
