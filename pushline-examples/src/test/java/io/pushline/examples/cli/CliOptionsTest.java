package io.pushline.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushline.HistoryOptions;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.SlowConsumerPolicy;
import io.pushline.netty.ServerLimits;
import io.pushline.netty.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
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
        assertThat(server.maxQueued).isEqualTo(ServerLimits.DEFAULT_MAX_QUEUED_BYTES);
        assertThat(server.softQueued).isEqualTo(ServerLimits.DEFAULT_SOFT_QUEUED_BYTES);
        assertThat(server.softQueuedFor).isEqualTo(ServerLimits.DEFAULT_SOFT_QUEUED_DURATION);
        assertThat(server.slowPolicy).isEqualTo(SlowConsumerPolicy.DISCONNECT);
        assertThat(server.heartbeat).isEqualTo(Duration.ofSeconds(30));
        assertThat(server.idleTimeout).isNull();
    }

    @Test
    void sizesDurationsAndPolicies() {
        ServerCommand server = parseServer("server", "--max-queued", "256k", "--soft-queued", "64k",
                "--soft-queued-for", "0s", "--slow-policy", "drop",
                "--protocol", "commands", "--allow-publish", "--idle-timeout", "500ms", "--heartbeat", "PT0.1S",
                "--topic", "a", "--topic", "b");
        assertThat(server.maxQueued).isEqualTo(256 * 1024);
        assertThat(server.softQueued).isEqualTo(64 * 1024);
        assertThat(server.softQueuedFor).isEqualTo(Duration.ZERO);
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
    void webSocketServesTheDemoPageWithTheServersSettings() {
        ServerCommand server = parseServer("server", "--websocket", "0", "--websocket-origin", "https://app.example",
                "--protocol", "commands", "--topic", "a\"<b>", "--topic", "news");
        ServerWebSocket ws = server.webSocketOptions.webSocket(server.spec, server.protocol, server.topics, true,
                false);
        assertThat(ws.port()).isZero();
        assertThat(ws.path()).isEqualTo("/ws");
        assertThat(ws.allowedOrigins()).containsExactly("https://app.example");
        assertThat(ws.resources()).containsKeys("/", ServerWebSocket.JAVASCRIPT_CLIENT_PATH);
        String page = new String(ws.resources().get("/").body(), StandardCharsets.UTF_8);
        assertThat(page).contains("<meta name=\"pushline-config\" content=\"{&quot;topics&quot;:[&quot;a\\&quot;"
                + "&lt;b&gt;&quot;,&quot;news&quot;],&quot;protocol&quot;:&quot;commands&quot;,&quot;path&quot;:"
                + "&quot;/ws&quot;,&quot;history&quot;:true,&quot;allowPublish&quot;:false}\">");
        assertThat(parseServer("server").webSocketOptions.webSocket(server.spec, Protocol.RAW, server.topics, false,
                false)).isNull();
    }

    private static ClientCommand parseClient(String... args) {
        CommandLine.ParseResult result = PushlineCli.commandLine().parseArgs(args);
        return (ClientCommand) result.subcommand().commandSpec().userObject();
    }

    /** Runs the command line as main does and returns its exit status; what it prints on stderr goes to err. */
    private static int execute(StringWriter err, String... args) {
        CommandLine cli = PushlineCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void historyIsOffByDefaultAndOnForEveryTopicWithHistory() {
        ServerCommand off = parseServer("server");
        assertThat(off.history).isFalse();
        assertThat(off.historySize).isEqualTo(HistoryOptions.DEFAULT_SIZE);
        assertThat(off.historyTtl).isEqualTo(HistoryOptions.DEFAULT_TTL);
        assertThat(off.maxReplay).isEqualTo(ServerLimits.DEFAULT_MAX_REPLAY_MESSAGES);
        assertThat(off.historyOptions()).isNull();

        ServerCommand on = parseServer("server", "--history", "--history-size", "50", "--history-ttl", "30s",
                "--max-replay", "20");
        HistoryOptions history = on.historyOptions();
        assertThat(history.size()).isEqualTo(50);
        assertThat(history.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(history.appliesTo("any.topic")).isTrue();
        assertThat(on.maxReplay).isEqualTo(20);
        assertThat(parseServer("server", "--history").historyOptions().size()).isEqualTo(1000);
    }

    @Test
    void historyOptionsAreCheckedBeforeAnythingStarts() {
        assertThatThrownBy(() -> parseServer("server", "--history-size", "5").historyOptions())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessage("--history-size needs --history");
        assertThatThrownBy(() -> parseServer("server", "--history-ttl", "1m").historyOptions())
                .hasMessage("--history-ttl needs --history");
        assertThatThrownBy(() -> parseServer("server", "--history", "--history-size", "0").historyOptions())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("size");
        assertThat(parseServer("server", "--history", "--redis", "redis://127.0.0.1:1", "--history-size", "7")
                .historyOptions().size()).isEqualTo(7);
    }

    @Test
    void redisAndRedisClusterExcludeEachOtherAndPublishNeedsOne() {
        StringWriter err = new StringWriter();
        assertThat(execute(err, "server", "--port", "0", "--redis", "redis://127.0.0.1:1", "--redis-cluster",
                "redis://127.0.0.1:2")).isEqualTo(2);
        assertThat(err.toString()).contains("--redis, --redis-cluster and --nats exclude each other");
        StringWriter none = new StringWriter();
        assertThat(execute(none, "publish", "news", "x")).isEqualTo(2);
        assertThat(none.toString()).contains("give exactly one of --redis, --redis-cluster and --nats");
        assertThat(parseServer("server", "--redis-cluster", "redis://127.0.0.1:1,redis://127.0.0.1:2").redisCluster)
                .isEqualTo("redis://127.0.0.1:1,redis://127.0.0.1:2");
        assertThat(PublishCommand.seeds(" redis://a:1, redis://b:2 ,")).extracting(u -> u.getHost() + ":" + u.getPort())
                .containsExactly("a:1", "b:2");
    }

    @Test
    void clientStartsFromAPositionOrWithTheLatestMessages() {
        assertThat(parseClient("client", "h:1", "--sub", "news", "--from", "42.Xk3v9QaZ").startPositions())
                .containsExactly(Map.entry("news", Position.of(42, "Xk3v9QaZ")));
        ClientCommand last = parseClient("client", "h:1", "--sub", "a", "--sub", "b", "--last", "3");
        assertThat(last.last).isEqualTo(3);
        assertThat(last.startPositions()).isEmpty();
        assertThat(parseClient("client", "h:1", "--sub", "news").startPositions()).isEmpty();
    }

    @Test
    void clientResumeOptionsAreChecked() {
        assertThatThrownBy(() -> parseClient("client", "h:1", "--sub", "a", "--sub", "b", "--from", "1.e")
                .startPositions()).hasMessageContaining("--from needs exactly one --sub");
        assertThatThrownBy(() -> parseClient("client", "h:1", "--sub", "a", "--from", "yesterday").startPositions())
                .hasMessageContaining("'yesterday' is not a position");
        assertThatThrownBy(() -> parseClient("client", "h:1", "--sub", "a", "--from", "1.e", "--last", "2")
                .startPositions()).hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> parseClient("client", "h:1", "--sub", "a", "--last", "-1").startPositions())
                .hasMessageContaining("'--last': -1 is negative");
        assertThatThrownBy(() -> parseClient("client", "h:1", "--last", "2").startPositions())
                .hasMessageContaining("need --sub");
        StringWriter err = new StringWriter();
        assertThat(execute(err, "client", "127.0.0.1:1", "--sub", "a", "--from", "nowhere")).isEqualTo(2);
        assertThat(err.toString()).contains("'nowhere' is not a position").doesNotContain("Usage:");
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
