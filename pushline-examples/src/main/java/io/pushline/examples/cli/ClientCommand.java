package io.pushline.examples.cli;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.examples.ConsoleClient;
import io.pushline.netty.client.PushClient;
import io.pushline.netty.client.PushClientBuilder;
import io.pushline.netty.client.ResumeListener;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pushline client host:port}: a console client (prints every push, sends every line
 * typed). With {@code --sub}/{@code --psub} it speaks the {@code commands} protocol through {@link PushClient}:
 * it subscribes, prints each push as {@code topic payload}, publishes typed {@code topic payload} lines, and
 * subscribes again by itself after the server restarts. On a server with history it resumes each topic after a
 * reconnect (printing {@code recovered <topic> <n>} or {@code lost <topic>} on standard error), starts from a saved
 * position ({@code --from}) or with the latest messages ({@code --last}), and prints {@code position <topic>
 * <position>} for each topic on standard error when it stops. Both modes speak TLS ({@code --tls-ca}, and
 * {@code --tls-cert}/{@code --tls-key} for mutual TLS) and authenticate with {@code --auth}: the console sends the
 * token first, as {@code AUTH <token>} with {@code --protocol commands} or as a bare frame on {@code raw}.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Connects to a push server, prints every push and sends every line typed.")
final class ClientCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", converter = Converters.HostPort.class,
            description = "The server, e.g. localhost:5567.")
    Converters.HostAndPort target;

    @picocli.CommandLine.Mixin
    FramingOptions framingOptions = new FramingOptions();

    @Option(names = "--sub", paramLabel = "TOPIC", converter = Converters.Topic.class,
            description = "Subscribe to a topic (commands protocol); repeatable. Pushes print as 'topic payload'.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--psub", paramLabel = "PATTERN", converter = Converters.Pattern.class,
            description = "Subscribe to a pattern such as 'stock.*' (commands protocol); repeatable.")
    List<String> patterns = new ArrayList<>();

    @Option(names = "--from", paramLabel = "POSITION", description = "With one --sub: resume after this position "
            + "(as printed at exit by an earlier run), receiving what was published since; 'lost TOPIC' on standard "
            + "error when the server no longer has it (default: from now on).")
    String from;

    @Option(names = "--last", paramLabel = "N", converter = Converters.NonNegative.class,
            description = "With --sub: start each topic with its latest N "
            + "messages (default: from now on).")
    Integer last;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Speak TLS, trusting these CA certificates.")
    java.io.File tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate for mutual TLS.")
    java.io.File tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key of --tls-cert.")
    java.io.File tlsKey;

    @Option(names = "--auth", paramLabel = "TOKEN", description = "Authenticate with this token (no spaces, CR or "
            + "LF), sent before anything else: with --sub/--psub as AUTH on every connection; in console mode as "
            + "the first line, 'AUTH TOKEN' with --protocol commands or the bare token with raw.")
    String auth;

    @Option(names = "--protocol", paramLabel = "PROTOCOL", description = "The server's protocol, raw or commands: "
            + "how the console mode sends --auth (default: raw; --sub/--psub always speak commands).")
    Protocol protocol;

    /** The subscribing client, once built (its state listener reads it from the client's thread). */
    private volatile PushClient client;

    @Override
    public Integer call() throws IOException, InterruptedException {
        String host = target.host();
        int port = target.port();
        Framing framed = framingOptions.framing();
        boolean tls = tlsCa != null || tlsCert != null || tlsKey != null;
        if (tls && (tlsCa == null || (tlsCert == null) != (tlsKey == null))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "TLS needs --tls-ca, and --tls-cert with --tls-key for a client certificate");
        }
        if (auth != null && (auth.isEmpty() || auth.chars().anyMatch(c -> c == ' ' || c == '\r' || c == '\n'))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--auth: the token must be non-empty, without spaces, CR or LF");
        }
        Map<String, Position> start = startPositions();
        if (topics.isEmpty() && patterns.isEmpty()) {
            javax.net.ssl.SSLContext context = tls ? ((JdkSslContext) tlsContext(SslProvider.JDK)).context() : null;
            InputStream console = System.in;
            if (auth != null) { // presented first, as if typed
                String first = (protocol == Protocol.COMMANDS ? "AUTH " : "") + auth + "\n";
                console = new SequenceInputStream(new ByteArrayInputStream(first.getBytes(StandardCharsets.UTF_8)),
                        console);
            }
            try {
                return new ConsoleClient(host, port, framed, context).run(console, System.out);
            } catch (java.net.ConnectException e) {
                throw new java.net.ConnectException("cannot connect to " + target + ": " + e.getMessage());
            }
        }
        if (protocol == Protocol.RAW) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sub and --psub speak the commands protocol, not raw");
        }
        return subscribe(host, port, framed, start);
    }

    /** The position {@code --from} gives the one {@code --sub} topic, checked with {@code --last}; empty without. */
    Map<String, Position> startPositions() {
        if (last != null && last < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--last: " + last + " (expected: >= 0)");
        }
        if ((from != null || last != null) && topics.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from and --last need --sub");
        }
        if (from == null) {
            return Map.of();
        }
        if (last != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from and --last exclude each other");
        }
        if (topics.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--from needs exactly one --sub: a position belongs to one topic");
        }
        Position position = Position.parse(from).orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "--from: '" + from + "' is not a position (expected: <offset>.<epoch>)"));
        return Map.of(topics.get(0), position);
    }

    private int subscribe(String host, int port, Framing framed, Map<String, Position> start)
            throws IOException, InterruptedException {
        PrintStream out = System.out;
        PushClientBuilder builder = PushClient.builder().host(host).port(port).framing(framed)
                .protocol(Protocol.COMMANDS).onMessage(message -> print(out, message)).positions(start)
                .onResume(new ResumeListener() {
                    @Override
                    public void recovered(String topic, int count) {
                        System.err.println("recovered " + topic + " " + count);
                    }

                    @Override
                    public void lost(String topic) {
                        System.err.println("lost " + topic);
                    }
                })
                .onStateChange(state -> reportState(state));
        if (tlsCa != null) {
            builder.tls(tlsContext(null));
        }
        if (auth != null) {
            builder.auth(auth);
        }
        PushClient client = builder.build();
        this.client = client;
        topics.forEach(topic -> report("SUB " + topic, last == null ? client.subscribe(topic)
                : client.subscribeLast(topic, last)));
        patterns.forEach(pattern -> report("PSUB " + pattern, client.psubscribe(pattern)));
        client.connect();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            client.close();
            // where each topic stopped, for --from next time
            client.positions().forEach((topic, position) -> System.err.println("position " + topic + " "
                    + position));
            stopped.countDown();
            Runtime.getRuntime().halt(0); // SIGTERM/SIGINT is the normal way to stop a subscriber
        }, "pushline-client-shutdown"));
        BufferedReader typed = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = typed.readLine()) != null; ) {
            int space = line.indexOf(' ');
            if (space <= 0) {
                System.err.println("type 'topic payload' to publish");
                continue;
            }
            report("PUB " + line.substring(0, space), client.publish(line.substring(0, space),
                    line.substring(space + 1).getBytes(StandardCharsets.UTF_8)));
        }
        stopped.await(); // standard input ended: keep printing pushes until SIGTERM or Ctrl-C
        return 0;
    }

    /** Tells the state on standard error; a failed attempt with its cause (the client retries with backoff). */
    private void reportState(PushClient.State state) {
        PushClient c = client;
        java.util.Optional<Throwable> failure = c == null || state != PushClient.State.DISCONNECTED
                ? java.util.Optional.empty() : c.lastConnectFailure();
        System.err.println("connection " + state.name().toLowerCase(java.util.Locale.ROOT) + failure.map(
                e -> ": cannot connect to " + target + " (" + PushlineCli.describe(e) + "); retrying").orElse(""));
    }

    /** The client TLS context from the PEM options; {@code provider} null picks Netty's default. */
    private SslContext tlsContext(SslProvider provider) throws IOException {
        SslContextBuilder tls = SslContextBuilder.forClient().trustManager(tlsCa).protocols("TLSv1.3", "TLSv1.2");
        if (provider != null) {
            tls.sslProvider(provider);
        }
        if (tlsCert != null) {
            tls.keyManager(tlsCert, tlsKey);
        }
        return tls.build();
    }

    private static void print(PrintStream out, Message message) {
        synchronized (out) {
            byte[] topic = message.topic().getBytes(StandardCharsets.UTF_8);
            out.write(topic, 0, topic.length);
            out.write(' ');
            out.write(message.payload(), 0, message.payloadLength());
            out.write('\n');
            out.flush();
        }
    }

    private static void report(String command, java.util.concurrent.CompletableFuture<?> reply) {
        reply.whenComplete((ok, error) -> {
            if (error != null) {
                System.err.println(command + ": " + error.getMessage());
            }
        });
    }
}
