package io.pushline.examples.cli;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code pushline} command: {@code server} runs a push server, {@code client} is a console client,
 * {@code publish} publishes to Redis with positions.
 *
 * <pre>
 * java -jar pushline-examples/target/pushline.jar server [--port 5567] [--redis redis://host:port] [--topic updates]...
 *     [--framing lines|length-prefixed] [--protocol raw] [--echo] [--tls-cert PEM --tls-key PEM [--tls-ca PEM]]
 *     [--tls-provider auto|openssl|jdk] [--history [--history-size N] [--history-ttl DURATION]] [--max-replay N]
 * java -jar pushline-examples/target/pushline.jar client host:port [--sub TOPIC]... [--protocol raw|commands]
 *     [--from POSITION | --last N] [--auth TOKEN] [--tls-ca PEM [--tls-cert PEM --tls-key PEM]]
 * java -jar pushline-examples/target/pushline.jar publish --redis URI [--history-size N] [--history-ttl DURATION]
 *     [--plain] TOPIC [MESSAGE]
 * </pre>
 */
@Command(name = "pushline", mixinStandardHelpOptions = true, version = "pushline 0.1.0-SNAPSHOT",
        description = "Pushes messages from a broker to many TCP clients.",
        subcommands = {ServerCommand.class, ClientCommand.class, PublishCommand.class})
public final class PushlineCli implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Creates the command (picocli does this). */
    public PushlineCli() {
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: server, client or publish");
    }

    /**
     * Creates the command line with its converters, for {@link #main(String[])} and tests.
     *
     * @return the command line
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PushlineCli());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    /**
     * Runs the command and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        leakDetectionOffUnlessAsked();
        System.exit(commandLine().execute(args));
    }

    /**
     * Netty samples 1% of buffers for leak reports by default, at a measurable cost (BENCHMARKS.md); a server run
     * from the command line turns that off unless {@code -Dio.netty.leakDetection.level} asks for a level. (The
     * library itself leaves the JVM's setting alone: a host application decides.)
     */
    static void leakDetectionOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
