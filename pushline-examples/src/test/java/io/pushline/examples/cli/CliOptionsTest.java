package io.pushline.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The server's command-line options parse as documented. */
class CliOptionsTest {
    private static ServerCommand parseServer(String... args) {
        CommandLine cli = PushlineCli.commandLine();
        CommandLine.ParseResult result = cli.parseArgs(args);
        return (ServerCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void defaults() {
        ServerCommand server = parseServer("server");
        assertThat(server.port).isEqualTo(5567);
        assertThat(server.topics).containsExactly("updates");
        assertThat(server.protocol).isEqualTo(Protocol.RAW);
        assertThat(server.maxQueued).isEqualTo(1024 * 1024);
        assertThat(server.slowPolicy).isEqualTo(SlowConsumerPolicy.DISCONNECT);
        assertThat(server.heartbeat).isEqualTo(Duration.ofSeconds(30));
        assertThat(server.idleTimeout).isNull();
    }

    @Test
    void sizesDurationsAndPolicies() {
        ServerCommand server = parseServer("server", "--max-queued", "256k", "--slow-policy", "drop",
                "--protocol", "commands", "--allow-publish", "--idle-timeout", "500ms", "--heartbeat", "PT0.1S",
                "--topic", "a", "--topic", "b");
        assertThat(server.maxQueued).isEqualTo(256 * 1024);
        assertThat(server.slowPolicy).isEqualTo(SlowConsumerPolicy.DROP);
        assertThat(server.protocol).isEqualTo(Protocol.COMMANDS);
        assertThat(server.allowPublish).isTrue();
        assertThat(server.idleTimeout).isEqualTo(Duration.ofMillis(500));
        assertThat(server.heartbeat).isEqualTo(Duration.ofMillis(100));
        assertThat(server.topics).containsExactly("a", "b");
        assertThat(parseServer("server", "--framing", "length-prefixed", "--max-frame-length", "128")
                .framingOptions.framing()).isEqualTo(io.pushline.Framing.lengthPrefixed(128));
        assertThat(server.framingOptions.framing()).isEqualTo(io.pushline.Framing.lines());
        assertThat(new SizeConverter().convert("32m")).isEqualTo(32 * 1024 * 1024);
        assertThat(new DurationConverter().convert("5m")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void badValuesAreRejectedWithTheValue() {
        assertThatThrownBy(() -> parseServer("server", "--max-queued", "lots"))
                .hasMessageContaining("lots");
        assertThatThrownBy(() -> parseServer("server", "--idle-timeout", "soon"))
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> parseServer("server", "--slow-policy", "panic"))
                .hasMessageContaining("panic");
    }
}
