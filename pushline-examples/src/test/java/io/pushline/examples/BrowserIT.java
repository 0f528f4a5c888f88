package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import io.pushline.netty.ServerWebSocket;
import io.pushline.redis.RedisPublisher;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pushline.js in a real, headless Chromium: its unit tests, the CLI's demo page receiving from Redis with history
 * and resuming across a restart of the server with nothing lost, and the {@link WebSocketExample} page. The demo
 * page's screenshot is saved as {@code target/browser/demo.png}.
 */
class BrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern BROWSERS = Pattern.compile("the demo page at http://localhost:(\\d+)/");
    private static Chromium browser;

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    @BeforeAll
    static void startBrowser() {
        browser = new Chromium();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void theJavaScriptUnitTestsPass() {
        PushServer server = closer.add(PushServer.builder().port(0).protocol(Protocol.COMMANDS)
                .source(InMemoryMessageSource.create())
                .webSocket(ServerWebSocket.builder().port(0).javaScriptClient(true)
                        .resource("/pushline-test.html", "text/html; charset=utf-8",
                                resource("browser/pushline-test.html"))
                        .resource("/pushline-test.js", "text/javascript; charset=utf-8",
                                resource("browser/pushline-test.js"))
                        .build())
                .build().start());
        browser.open("http://127.0.0.1:" + server.webSocketPort() + "/pushline-test.html");
        await().atMost(WAIT).until(() -> browser.eval("return window.pushlineTests") != null);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) browser.eval("return window.pushlineTests");
        assertThat((List<?>) result.get("failed")).isEmpty();
        assertThat(((Number) result.get("total")).intValue()).isGreaterThan(20);
        assertThat(result.get("passed")).isEqualTo(result.get("total"));
    }

    @Test
    void pushlineJsAuthenticatesWithAFreshTokenAndReadsTextAndBinaryMessages() {
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.defaults());
        Authenticator goodOnly = (client, token) -> CompletableFuture.completedFuture(
                "good".equals(new String(token, StandardCharsets.UTF_8)) ? Authentication.of("browser") : null);
        PushServer server = closer.add(PushServer.builder().port(0).protocol(Protocol.COMMANDS).source(source)
                .authenticator(goodOnly)
                .webSocket(ServerWebSocket.builder().port(0).javaScriptClient(true)
                        .resource("/blank.html", "text/html; charset=utf-8", new byte[0]).build())
                .build().start());
        browser.open("http://127.0.0.1:" + server.webSocketPort() + "/blank.html");
        Object subscribed = browser.evalAsync("""
                const done = arguments[arguments.length - 1];
                import('/pushline.js').then(({ PushlineClient }) => {
                  let tokens = 0;
                  const t = window.t = { got: [], errors: [] };
                  const client = new PushlineClient('ws://' + location.host + '/ws', {
                    token: async () => (++tokens === 1 ? 'bad' : 'good'), // refused, then a fresh one
                    reconnect: { base: 10, max: 50 },
                    onError: (e) => t.errors.push(e.message),
                  });
                  client.subscribe('bin', (m) => t.got.push(
                      [m.position.split('.')[0], m.payload, m.bytes && Array.from(m.bytes)]))
                    .then((reply) => done('subscribed at ' + reply.top.split('.')[0] + ' after ' + tokens + ' tokens'),
                      (e) => done('refused: ' + e.message));
                  client.connect();
                }, (e) => done('import failed: ' + e));
                """);
        assertThat(subscribed).isEqualTo("subscribed at 0 after 2 tokens");
        assertThat(browser.eval("return window.t.errors")).asString().contains("the server refused the token");
        source.publish("bin", "héllo wörld".getBytes(StandardCharsets.UTF_8)).join();
        source.publish("bin", new byte[] {(byte) 0xff, 'a', 0}).join(); // not UTF-8: a binary message
        await().atMost(WAIT).until(() -> ((List<?>) browser.eval("return window.t.got")).size() == 2);
        assertThat(browser.eval("return JSON.stringify(window.t.got)"))
                .isEqualTo("[[\"1\",\"héllo wörld\",null],[\"2\",\"\uFFFDa\\u0000\",[255,97,0]]]");
    }

    /**
     * The server cuts pushline.js's connection ({@code -ERR disconnected: ...}, then the close) while the resumes of
     * more topics than it reads at once wait for their replies: the next connection resumes every topic, and every
     * message arrives once, in order.
     */
    @Test
    void pushlineJsKeepsEveryTopicWhenTheServerCutsTheConnectionWhileItsResumesWait() {
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.defaults());
        AtomicBoolean cutTheNextSubscription = new AtomicBoolean();
        PushServer server = closer.add(PushServer.builder().port(0).protocol(Protocol.COMMANDS).source(source)
                .authorizer((client, principal, name, pattern, action) -> {
                    if (cutTheNextSubscription.compareAndSet(true, false)) {
                        client.disconnect("cut by the test"); // on the connection's loop: the notice goes out now
                    }
                    return true;
                })
                .webSocket(ServerWebSocket.builder().port(0).javaScriptClient(true)
                        .resource("/blank.html", "text/html; charset=utf-8", new byte[0]).build())
                .build().start());
        List<String> topics = IntStream.range(0, 20).mapToObj(i -> "cut." + i).toList();
        browser.open("http://127.0.0.1:" + server.webSocketPort() + "/blank.html");
        Object started = browser.evalAsync("""
                const [topics, done] = arguments;
                import('/pushline.js').then(({ PushlineClient }) => {
                  const t = window.t = { got: {}, told: [], opened: 0 };
                  const client = t.client = new PushlineClient('ws://' + location.host + '/ws', {
                    reconnect: { base: 10, max: 50 },
                    onState: (state) => (t.opened += state === 'open' ? 1 : 0),
                    onLost: (topic) => t.told.push('lost ' + topic),
                    onRefused: (topic, reason) => t.told.push(`refused ${topic}: ${reason}`),
                    onError: (e) => t.told.push('error ' + e.message),
                  });
                  // refusals the server may get over (it resumes 16 at once) are asked again: their rejection is no end
                  topics.forEach((topic) => client.subscribe(topic,
                      (m) => (t.got[topic] = t.got[topic] || []).push(m.payload)).catch(() => {}));
                  client.connect().then(() => done('connected'), (e) => done('failed: ' + e.message));
                }, (e) => done('import failed: ' + e));
                """, topics);
        assertThat(started).isEqualTo("connected");
        await().atMost(WAIT).until(() -> ((Map<?, ?>) browser.eval("return window.t.client.positions()")).size()
                == topics.size());
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            publishToAll(source, topics, "m" + i);
            expected.add("m" + i);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(browserGot()).as("told %s", told())
                .isEqualTo(everyTopicGot(topics, expected)));

        cutTheNextSubscription.set(true);
        server.clients().forEach(c -> c.disconnect("cut by the test")); // the resumes' connection is cut too
        for (int i = 4; i <= 6; i++) {
            publishToAll(source, topics, "m" + i);
            expected.add("m" + i);
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(browserGot()).as("told %s", told())
                .isEqualTo(everyTopicGot(topics, expected)));
        assertThat(cutTheNextSubscription).as("a resume's connection was cut").isFalse();
        assertThat(((Number) browser.eval("return window.t.opened")).intValue()).isGreaterThanOrEqualTo(3);
        assertThat(told()).noneMatch(e -> e.startsWith("lost") || e.startsWith("refused"))
                .anyMatch(e -> e.equals("error server: -ERR disconnected: cut by the test"));
    }

    private static void publishToAll(InMemoryMessageSource source, List<String> topics, String payload) {
        topics.forEach(t -> source.publish(t, payload.getBytes(StandardCharsets.UTF_8)).join());
    }

    private static Map<String, List<String>> everyTopicGot(List<String> topics, List<String> payloads) {
        return topics.stream().collect(Collectors.toMap(t -> t, t -> List.copyOf(payloads)));
    }

    /** What the browser's handlers got, per topic, in order. */
    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> browserGot() {
        return (Map<String, List<String>>) browser.eval("return window.t.got");
    }

    @SuppressWarnings("unchecked")
    private static List<String> told() {
        return (List<String>) browser.eval("return window.t.told");
    }

    @Test
    void theDemoPageGetsEveryMessageInOrderAndResumesAcrossAServerRestart() throws Exception {
        RedisPublisher publisher = closer.add(RedisPublisher.create(RedisURI.create(redis.uri()),
                HistoryOptions.builder().size(1_000).ttl(Duration.ofMinutes(10)).build()));
        String[] args = {"--protocol", "commands", "--redis", redis.uri(), "--history", "--topic", "updates"};
        CliProcess first = closer.add(server(args, 0, 0));
        int port = first.awaitPort();
        int webSocketPort = webSocketPort(first);
        browser.open("http://localhost:" + webSocketPort + "/?topics=updates");
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(browser.eval(
                "return window.pushlineDemo && window.pushlineDemo.subscribed.updates")));

        publish(publisher, 1, 1_000);
        await().atMost(WAIT).until(() -> received().size() >= 1_000);
        assertThat(received()).containsExactlyElementsOf(offsets(1, 1_000));

        // publishing goes on, one message every 2 ms, while the server stops and a new one starts on its ports
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        closer.add(pacer::shutdownNow);
        CompletableFuture<Void> published = publishPaced(publisher, pacer, 1_001, 1_500);
        assertThat(first.terminate(WAIT)).isZero(); // the page sees its connection closed, and retries
        await().atMost(WAIT).until(() -> !"open".equals(browser.eval("return window.pushlineDemo.state")));
        CliProcess second = closer.add(server(args, port, webSocketPort));
        second.awaitPort();
        published.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> received().size() >= 1_500);
        assertThat(received()).containsExactlyElementsOf(offsets(1, 1_500));
        @SuppressWarnings("unchecked")
        List<String> events = (List<String>) browser.eval("return window.pushlineDemo.events");
        assertThat(events).anyMatch(e -> e.startsWith("disconnected"))
                .anyMatch(e -> e.startsWith("recovered updates: ")).noneMatch(e -> e.startsWith("lost"));
        assertThat(browser.eval("return window.pushlineDemo.state")).isEqualTo("open");
        browser.screenshot(Path.of("target", "browser", "demo.png"));
    }

    @Test
    void theWebSocketExamplePageShowsTheClock() {
        InMemoryMessageSource source = InMemoryMessageSource.withHistory(HistoryOptions.defaults());
        PushServer server = closer.add(WebSocketExample.start(source, 0, 0));
        browser.open("http://localhost:" + server.webSocketPort() + "/");
        await().atMost(WAIT).until(() -> "open".equals(browser.eval(
                "return document.getElementById('state').textContent")));
        await().atMost(WAIT).until(() -> server.isSubscribed("clock"));
        source.publish("clock", "12:00:00".getBytes(StandardCharsets.UTF_8)).join();
        await().atMost(WAIT).until(() -> "12:00:00 (position 1.".equals(browser.eval(
                "const li = document.querySelector('#ticks li'); return li && li.textContent.substring(0, 21)")));
    }

    private static CliProcess server(String[] args, int port, int webSocketPort) {
        List<String> all = new ArrayList<>(List.of("server", "--port", Integer.toString(port), "--websocket",
                Integer.toString(webSocketPort)));
        all.addAll(List.of(args));
        return new CliProcess(all.toArray(new String[0]));
    }

    private static int webSocketPort(CliProcess cli) {
        return await().atMost(WAIT).until(() -> cli.stdout().stream().map(BROWSERS::matcher).filter(Matcher::find)
                .map(m -> Integer.parseInt(m.group(1))).findFirst().orElse(-1), p -> p > 0);
    }

    /** Publishes messages {@code from..to} in order, each with its position; checks the offsets Redis gave. */
    private static void publish(RedisPublisher publisher, int from, int to) {
        List<CompletableFuture<io.pushline.Position>> positions = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            positions.add(publisher.publishWithPosition("updates", ("message " + i).getBytes(StandardCharsets.UTF_8))
                    .toCompletableFuture());
        }
        for (int i = 0; i < positions.size(); i++) {
            assertThat(positions.get(i).join().offset()).isEqualTo(from + i);
        }
    }

    /**
     * Publishes messages {@code from..to}, one every 2 ms on {@code pacer}; the future completes when all are
     * published with the expected offsets.
     */
    private static CompletableFuture<Void> publishPaced(RedisPublisher publisher, ScheduledExecutorService pacer,
            int from, int to) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger next = new AtomicInteger(from);
        pacer.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i > to) {
                throw new CancellationException("all published"); // ends the schedule
            }
            try {
                long offset = publisher.publishWithPosition("updates",
                        ("message " + i).getBytes(StandardCharsets.UTF_8)).join().offset();
                if (offset != i) {
                    done.completeExceptionally(new AssertionError("message " + i + " got offset " + offset));
                } else if (i == to) {
                    done.complete(null);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                throw e;
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        return done;
    }

    @Test
    void theDemoPageOnARawServerShowsWhatIsTypedOnTheServer() throws Exception {
        CliProcess cli = closer.add(new CliProcess("server", "--port", "0", "--websocket", "0"));
        cli.awaitPort();
        browser.open("http://127.0.0.1:" + webSocketPort(cli) + "/");
        await().atMost(WAIT).until(() -> "open".equals(browser.eval("return window.pushlineDemo.state")));
        await().atMost(WAIT).until(() -> {
            cli.type("hello from the terminal"); // again until it arrives: the subscription may still be on its way
            return browser.eval("return document.querySelector('#messages td.payload')?.textContent") != null;
        });
        assertThat(browser.eval("return document.querySelector('#messages td.payload').textContent"))
                .isEqualTo("hello from the terminal");
        assertThat(browser.eval("return document.getElementById('topics').textContent"))
                .isEqualTo("raw: the server's topics updates");
    }

    /** The offsets the demo page received on {@code updates}, in order. */
    private static List<Long> received() {
        Object offsets = browser.eval("return window.pushlineDemo.received.updates || []");
        return ((List<?>) offsets).stream().map(o -> ((Number) o).longValue()).toList();
    }

    private static List<Long> offsets(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static byte[] resource(String name) {
        try (InputStream in = BrowserIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
