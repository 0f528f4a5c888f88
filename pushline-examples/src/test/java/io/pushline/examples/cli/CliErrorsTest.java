package io.pushline.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Every bad value a user tried is answered with one line saying what is wrong and what is expected, with exit
 * status 2 for a usage error and 1 for a failure at run time; never a stack trace.
 */
class CliErrorsTest {
    /** Runs the command line as {@code main} does; returns the exit status and what it printed on standard error. */
    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = PushlineCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int status = cli.execute(args);
        return new Result(status, err.toString().strip());
    }

    private record Result(int status, String err) {
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            server --port -1                  | pushline server: --port: -1 is not a port (0..65535)
            server --port 70000               | pushline server: --port: 70000 is not a port (0..65535)
            server --max-queued 512           | pushline server: --max-queued: 512 is too small (expected: at least 1k)
            server --rate-limit 0             | pushline server: --rate-limit: 0 is too small (expected: a whole number >= 1)
            server --idle-timeout 0s          | pushline server: --idle-timeout: 0s is not a positive duration
            server --heartbeat -5s            | pushline server: --heartbeat: -5s is not a positive duration
            server --topic bad%20topic        | pushline server: --topic: 'bad topic': topic contains a space
            server --redis notaurl            | pushline server: --redis: not a Redis URI
            server --stats 0s                 | pushline server: --stats: 0s is not a positive duration
            server --max-frame-length 1g      | pushline server: --max-frame-length: 1g is too large (expected: at most 16m)
            server --max-frame-length lots    | pushline server: --max-frame-length: expected a size such as 65536, 256k or 32m
            server --history-size 5           | pushline server: --history-size needs --history
            server --bogus                    | pushline server: Unknown option: '--bogus'
            server --websocket 70000          | pushline server: --websocket: 70000 is not a port (0..65535)
            server --websocket 0 --websocket-origin example.com | pushline server: --websocket-origin: 'example.com' is not an origin (expected: scheme://host[:port], such as https://app.example.com)
            server --port 0 --websocket-origin https://a.example | pushline server: --websocket-origin needs --websocket
            server --port 0 --redis redis://h:1 --nats nats://h:2 | pushline server: --redis, --redis-cluster and --nats exclude each other
            client localhost:abc              | pushline client: HOST:PORT: 'localhost:abc': the port is not a number
            client localhost                  | pushline client: HOST:PORT: 'localhost' is not HOST:PORT
            client localhost:1 --from 3.x     | pushline client: --from and --last need --sub
            client localhost:1 --sub a --from nowhere | pushline client: --from: 'nowhere' is not a position
            client localhost:1 --psub bad%20pattern | pushline client: --psub: 'bad pattern': pattern contains a space
            publish --redis notaurl t m       | pushline publish: --redis: not a Redis URI
            publish t m                       | pushline publish: give exactly one of --redis, --redis-cluster and --nats
            """)
    void aBadValueIsOneLineAndExitStatusTwo(String command, String expected) {
        String[] args = command.trim().split(" +");
        for (int i = 0; i < args.length; i++) {
            args[i] = args[i].replace("%20", " ");
        }
        Result result = run(args);
        assertThat(result.status()).as(command).isEqualTo(2);
        assertThat(result.err()).as(command).startsWith(expected.trim()).doesNotContain("\n").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            client localhost:{port}                        | pushline client: cannot connect to localhost:{port}: Connection refused
            server --port 0 --await-broker --redis redis://127.0.0.1:{port} | pushline server: cannot connect to redis://127.0.0.1:{port}
            """)
    void aFailureAtRunTimeIsOneLineNamingWhereAndExitStatusOne(String command, String expected) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed
        }
        String port = Integer.toString(closed);
        Result result = run(command.trim().replace("{port}", port).split(" +"));
        assertThat(result.status()).as(command).isEqualTo(1);
        assertThat(result.err()).as(command).startsWith(expected.trim().replace("{port}", port))
                .doesNotContain("\n").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @CsvSource({"''", "--verbose"})
    void noCommandPrintsTheUsageOnceWithStatusTwo(String arg) {
        Result result = arg.isEmpty() ? run() : run(arg);
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).startsWith("Usage: pushline");
        assertThat(result.err().split("Usage: pushline", -1)).hasSize(2);
    }

    @ParameterizedTest
    @CsvSource({"server --port -1 --verbose"})
    void verboseStillRefusesABadValueInOneLine(String command) {
        Result result = run(command.split(" "));
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).startsWith("pushline server: --port:").doesNotContain("\n");
    }
}
