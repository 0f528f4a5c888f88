package io.pushline.examples.cli;

import io.pushline.examples.ConsoleClient;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pushline client host:port}: prints every push and sends every line typed. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Connects to a push server, prints every push and sends every line typed.")
final class ClientCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server, e.g. localhost:5567.")
    String target;

    @Option(names = "--framing", defaultValue = "lines", converter = FramingConverter.class,
            description = "lines or length-prefixed (default: ${DEFAULT-VALUE}).")
    FramingOption framing;

    @Option(names = "--max-frame-length", defaultValue = "65536", paramLabel = "BYTES",
            description = "Longest frame in bytes (default: ${DEFAULT-VALUE}).")
    int maxFrameLength;

    @Override
    public Integer call() throws IOException {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "expected HOST:PORT, got '" + target + "'");
        }
        String host = target.substring(0, colon);
        int port = Integer.parseInt(target.substring(colon + 1));
        return new ConsoleClient(host, port, framing.framing(maxFrameLength)).run(System.in, System.out);
    }
}
