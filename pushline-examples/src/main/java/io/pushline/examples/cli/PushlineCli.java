package io.pushline.examples.cli;

import io.netty.util.ResourceLeakDetector;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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
public final class PushlineCli implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print the whole stack trace instead of one line.")
    boolean verbose;

    /** Creates the command (picocli does this). */
    public PushlineCli() {
    }

    /** Without a command: the usage, once, and the exit status of a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE_ERROR;
    }

    /**
     * Creates the command line with its converters, for {@link #main(String[])} and tests.
     *
     * @return the command line
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PushlineCli());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((error, args) -> {
            CommandLine command = error.getCommandLine();
            String name = command.getCommandSpec().qualifiedName();
            command.getErr().println(name + ": " + oneLine(error.getMessage()) + " (see '" + name + " --help')");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((error, command, parsed) -> {
            PrintWriter err = command.getErr();
            if (parsed.expandedArgs().contains("--verbose")) {
                error.printStackTrace(err);
            } else {
                err.println(command.getCommandSpec().qualifiedName() + ": " + describe(error));
            }
            // a bad value the options could not see (a wrong combination, a refused setting) is a usage error
            return error instanceof IllegalArgumentException ? USAGE_ERROR : RUNTIME_ERROR;
        });
        return cli;
    }

    /** The exit status of a usage error (a bad option or value). */
    static final int USAGE_ERROR = 2;
    /** The exit status of a failure at run time (the port is taken, the server cannot be reached). */
    static final int RUNTIME_ERROR = 1;

    /** Picocli's "Invalid value for option '--port': ..." as "--port: ...", on one line. */
    static String oneLine(String message) {
        String m = String.valueOf(message).replace('\r', ' ').replace('\n', ' ').trim();
        java.util.regex.Matcher invalid = java.util.regex.Pattern
                .compile("Invalid value for (?:option '([^']+)'|positional parameter at index \\d+ \\(([^)]+)\\))"
                        + "(?: \\([^)]*\\))?: (.*)")
                .matcher(m);
        if (!invalid.matches()) {
            return m;
        }
        return (invalid.group(1) != null ? invalid.group(1) : invalid.group(2)) + ": " + invalid.group(3);
    }

    /** An exception as one line: its message, and its root cause's when that says more. */
    static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (root != error && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getMessage() + ")";
        }
        return oneLine(message);
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
