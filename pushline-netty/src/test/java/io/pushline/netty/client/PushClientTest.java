package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.netty.PushServer;
import io.pushline.netty.PushServerBuilder;
import io.pushline.netty.client.PushClient.State;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link PushClient} end to end against a real {@link PushServer} on a free loopback port. */
class PushClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10),
            Duration.ofMillis(200));

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final List<State> states = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private PushServer start(PushServerBuilder builder) {
        PushServer server = builder.host("127.0.0.1").timeouts(t -> t.shutdownTimeout(Duration.ofSeconds(1))).build().start();
        toClose.add(server);
        return server;
    }

    private PushServer startCommands() {
        return start(PushServer.builder().port(0).protocol(Protocol.COMMANDS).allowPublish(true));
    }

    private PushClientBuilder clientFor(PushServer server) {
        return PushClient.builder()
                .host("127.0.0.1")
                .port(server.port())
                .reconnectPolicy(FAST)
                .onMessage(received::add)
                .onStateChange(states::add);
    }

    private PushClient connect(PushClientBuilder builder) {
        PushClient client = build(builder);
        get(client.connect());
        return client;
    }

    private PushClient build(PushClientBuilder builder) {
        PushClient client = builder.build();
        toClose.add(client);
        return client;
    }

    private static <T> T get(CompletableFuture<T> future) {
        return future.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private Message next() throws InterruptedException {
        Message m = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(m).as("a message within " + TIMEOUT).isNotNull();
        return m;
    }

    private static InMemoryMessageSource source(PushServer server) {
        return (InMemoryMessageSource) server.source();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void receivesWhatItSubscribedTo() throws Exception {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        get(client.subscribe("news"));
        source(server).publish("news", utf8("hello, with spaces")).join();
        Message m = next();
        assertThat(m.topic()).isEqualTo("news");
        assertThat(m.id()).isNull();
        assertThat(text(m)).isEqualTo("hello, with spaces");
        assertThat(client.topics()).containsExactly("news");
        assertThat(states).containsExactly(State.CONNECTING, State.CONNECTED);
    }

    @Test
    void aPatternSubscriptionReceivesTheConcreteTopic() throws Exception {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        get(client.psubscribe("news.*"));
        source(server).publish("news.sport", utf8("goal")).join();
        Message m = next();
        assertThat(m.topic()).isEqualTo("news.sport");
        assertThat(text(m)).isEqualTo("goal");
        assertThat(client.patterns()).containsExactly("news.*");
        get(client.punsubscribe("news.*"));
        assertThat(client.patterns()).isEmpty();
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        get(client.subscribe("a"));
        get(client.subscribe("b"));
        get(client.unsubscribe("a"));
        assertThat(client.topics()).containsExactly("b");
        await().atMost(TIMEOUT).until(() -> !server.topics().contains("a"));
        source(server).publish("a", utf8("not for me")).join();
        source(server).publish("b", utf8("for me")).join();
        assertThat(text(next())).isEqualTo("for me");
        get(client.ping());
        assertThat(received).isEmpty();
    }

    @Test
    void publishesThroughTheServer() throws Exception {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        get(client.subscribe("chat"));
        get(client.publish("chat", utf8("round  trip ")));
        Message m = next();
        assertThat(m.topic()).isEqualTo("chat");
        assertThat(text(m)).isEqualTo("round  trip ");
        assertThat(get(client.ping("are you there"))).isEqualTo("are you there");
        assertThat(get(client.ping())).isEmpty();
    }

    @Test
    void publishingIsForbiddenUnlessTheServerAllowsIt() {
        PushServer server = start(PushServer.builder().port(0).protocol(Protocol.COMMANDS));
        PushClient client = connect(clientFor(server));
        assertThatThrownBy(() -> get(client.publish("chat", utf8("hi"))))
                .cause().isExactlyInstanceOf(PushlineException.class).hasMessage("forbidden");
        assertThat(get(client.ping("still open"))).isEqualTo("still open");
    }

    @Test
    void invalidArgumentsAreRejectedLocally() {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        assertThatThrownBy(() -> get(client.subscribe("two words"))).cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic: 'two words' (topic contains a space)");
        assertThatThrownBy(() -> get(client.psubscribe(""))).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pattern: '' (pattern is empty)");
        assertThatThrownBy(() -> get(client.publish("x".repeat(300), utf8("p")))).cause()
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> get(client.publish("t", utf8("two\r\nlines")))).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CR or LF");
        assertThatThrownBy(() -> get(client.publish("t", new byte[Framing.DEFAULT_MAX_FRAME_LENGTH]))).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("frame too long");
        assertThatThrownBy(() -> get(client.send(utf8("raw")))).cause()
                .isInstanceOf(IllegalStateException.class);
        assertThat(client.topics()).isEmpty();
        assertThat(get(client.ping("ok"))).isEqualTo("ok"); // nothing bad reached the server
    }

    @Test
    void subscriptionsMadeBeforeConnectingAreSentOnConnect() throws Exception {
        PushServer server = startCommands();
        PushClient client = build(clientFor(server));
        CompletableFuture<Void> subscribed = client.subscribe("early");
        assertThatThrownBy(() -> get(client.publish("early", utf8("x")))).cause()
                .isExactlyInstanceOf(PushlineException.class).hasMessage("not connected");
        assertThat(subscribed).isNotDone();
        assertThat(client.state()).isEqualTo(State.DISCONNECTED);
        get(client.connect());
        get(subscribed);
        source(server).publish("early", utf8("bird")).join();
        assertThat(text(next())).isEqualTo("bird");
    }

    @Test
    void lengthPrefixedFramingCarriesAnyBytes() throws Exception {
        PushServer server = start(PushServer.builder().port(0).protocol(Protocol.COMMANDS).allowPublish(true)
                .framing(Framing.lengthPrefixed()));
        PushClient client = connect(clientFor(server).framing(Framing.lengthPrefixed()));
        get(client.subscribe("bin"));
        byte[] payload = {'a', '\r', '\n', ' ', 0, (byte) 0xfe, ' '};
        get(client.publish("bin", payload));
        assertThat(next().payload()).isEqualTo(payload);
    }

    @Test
    void reconnectsToANewServerOnTheSamePortAndSubscribesAgain() throws Exception {
        PushServer first = startCommands();
        int port = first.port();
        PushClient client = connect(clientFor(first));
        get(client.subscribe("news"));
        get(client.psubscribe("alerts.*"));

        first.close();
        await().atMost(TIMEOUT).until(() -> client.state() != State.CONNECTED);
        assertThatThrownBy(() -> get(client.ping())).cause().isInstanceOf(PushlineException.class);

        PushServer second = start(PushServer.builder().port(port).protocol(Protocol.COMMANDS));
        await().atMost(TIMEOUT).until(() -> client.state() == State.CONNECTED);
        await().atMost(TIMEOUT).until(() -> second.topics().contains("news"));
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            source(second).publish("news", utf8("back")).join();
            source(second).publish("alerts.fire", utf8("hot")).join();
            assertThat(received).extracting(Message::topic).contains("news", "alerts.fire");
        });
        assertThat(client.topics()).containsExactly("news");
        assertThat(client.patterns()).containsExactly("alerts.*");
        assertThat(states).startsWith(State.CONNECTING, State.CONNECTED, State.DISCONNECTED).endsWith(
                State.CONNECTED);
    }

    /** Accepts the token "secret" as alice; refuses anything else. */
    private static final io.pushline.Authenticator SECRET = (client, token) -> CompletableFuture.completedFuture(
            new String(token, StandardCharsets.UTF_8).equals("secret") ? io.pushline.Authentication.of("alice") : null);

    private PushServer startWithAuth(int port) {
        return start(PushServer.builder().port(port).protocol(Protocol.COMMANDS).authenticator(SECRET)
                .authorizer((client, principal, name, pattern, action) -> "alice".equals(principal)));
    }

    @Test
    void authenticatesBeforeSubscribingAndAgainAfterEveryReconnect() throws Exception {
        PushServer first = startWithAuth(0);
        int port = first.port();
        PushClient client = build(clientFor(first).auth("secret"));
        client.subscribe("news"); // remembered: sent once authenticated
        get(client.connect());
        await().atMost(TIMEOUT).until(() -> first.topics().contains("news"));
        source(first).publish("news", utf8("one")).join();
        assertThat(text(next())).isEqualTo("one");

        first.close();
        await().atMost(TIMEOUT).until(() -> client.state() != State.CONNECTED);
        PushServer second = startWithAuth(port);
        await().atMost(TIMEOUT).until(() -> client.state() == State.CONNECTED);
        await().atMost(TIMEOUT).until(() -> second.topics().contains("news"));
        source(second).publish("news", utf8("two")).join();
        assertThat(text(next())).isEqualTo("two");
        assertThat(second.clients()).hasSize(1);
    }

    @Test
    void authenticatesAgainWhenTheServerClosesTheConnection() throws Exception {
        List<String> principals = new CopyOnWriteArrayList<>();
        PushServer server = start(PushServer.builder().port(0).protocol(Protocol.COMMANDS)
                .authenticator((c, token) -> SECRET.authenticate(c, token).thenApply(name -> {
                    principals.add(name.principal());
                    return name;
                }))
                .authorizer((c, principal, name, pattern, action) -> "alice".equals(principal)));
        PushClient client = build(clientFor(server).auth("secret"));
        client.subscribe("news");
        get(client.connect());
        await().atMost(TIMEOUT).until(() -> server.topics().contains("news"));
        io.pushline.Client first = server.clients().iterator().next();

        first.close(); // the server drops the connection; the client reconnects on its own
        await().atMost(TIMEOUT).until(() -> server.clients().size() == 1 && !server.clients().contains(first)
                && server.topics().contains("news") && client.state() == State.CONNECTED);
        assertThat(principals).as("AUTH on both connections").containsExactly("alice", "alice");
        source(server).publish("news", utf8("after the drop")).join();
        assertThat(text(next())).isEqualTo("after the drop");
    }

    @Test
    void aRefusedTokenFailsConnectAndClosesTheClient() {
        PushServer server = startWithAuth(0);
        PushClient client = build(clientFor(server).auth("wrong"));
        assertThatThrownBy(() -> get(client.connect())).cause().isInstanceOf(PushlineException.class)
                .hasMessageContaining("authentication refused").hasMessageContaining("unauthorized");
        await().atMost(TIMEOUT).until(() -> client.state() == State.CLOSED);
        assertThat(states).doesNotContain(State.CONNECTED);
        await().atMost(TIMEOUT).until(() -> server.clients().isEmpty());
    }

    @Test
    void aTokenSupplierIsAskedOnEveryAttemptAndARefusalOnlyReconnects() throws Exception {
        PushServer server = startWithAuth(0);
        java.util.Iterator<String> tokens = List.of("expired", "secret").iterator();
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        PushClient client = build(clientFor(server).auth(() -> {
            asked.incrementAndGet();
            return tokens.hasNext() ? tokens.next() : "secret";
        }));
        client.subscribe("news");
        get(client.connect()); // refused once, then authenticated with the fresh token
        assertThat(asked.get()).isEqualTo(2);
        assertThat(states).containsSubsequence(State.CONNECTING, State.DISCONNECTED, State.CONNECTING,
                State.CONNECTED);
        await().atMost(TIMEOUT).until(() -> server.topics().contains("news"));
        source(server).publish("news", utf8("fresh")).join();
        assertThat(text(next())).isEqualTo("fresh");
    }

    @Test
    void anAuthTokenMustBeOneArgument() {
        assertThatThrownBy(() -> PushClient.builder().auth("two words"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushClient.builder().auth("line\nbreak"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushClient.builder().auth("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withoutReconnectingAFailedConnectFailsTheFuture() {
        PushServer gone = startCommands();
        int port = gone.port();
        gone.close();
        PushClient client = build(PushClient.builder().host("127.0.0.1").port(port)
                .reconnectPolicy(ReconnectPolicy.none()).onStateChange(states::add));
        assertThatThrownBy(() -> get(client.connect())).cause().isInstanceOf(PushlineException.class)
                .hasMessageStartingWith("cannot connect to 127.0.0.1:" + port);
        assertThat(states).containsExactly(State.CONNECTING, State.DISCONNECTED);
    }

    @Test
    void rawProtocolReceivesDefaultTopicsAndSendsFrames() throws Exception {
        PushServer server = start(PushServer.builder().port(0).protocol(Protocol.RAW).defaultTopics("updates")
                .onClientFrame(ClientHandlers.echo()));
        PushClient client = connect(clientFor(server).protocol(Protocol.RAW));
        await().atMost(TIMEOUT).until(() -> server.clients().size() == 1
                && server.clients().stream().allMatch(c -> server.topics(c).contains("updates")));
        source(server).publish("updates", utf8("pushed")).join();
        Message pushed = next();
        assertThat(pushed.topic()).isEqualTo(PushClient.RAW_TOPIC);
        assertThat(text(pushed)).isEqualTo("pushed");

        get(client.send(utf8("echo me")));
        Message echoed = next();
        assertThat(echoed.topic()).isEqualTo(PushClient.RAW_TOPIC);
        assertThat(text(echoed)).isEqualTo("echo me");

        assertThatThrownBy(() -> get(client.subscribe("updates"))).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("subscribe is not available on a raw connection");
        assertThatThrownBy(() -> get(client.publish("updates", utf8("x")))).cause()
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeIsIdempotentAndEndsEverything() {
        PushServer server = startCommands();
        PushClient client = connect(clientFor(server));
        client.close();
        client.close();
        assertThat(client.closeAsync()).isCompleted();
        assertThat(client.state()).isEqualTo(State.CLOSED);
        assertThat(states).containsExactly(State.CONNECTING, State.CONNECTED, State.CLOSED);
        assertThatThrownBy(() -> get(client.subscribe("late"))).cause()
                .isInstanceOf(IllegalStateException.class).hasMessage("client is closed");
        assertThatThrownBy(() -> get(client.connect())).cause().isInstanceOf(IllegalStateException.class);
        await().atMost(TIMEOUT).until(() -> server.clients().isEmpty());
    }

    @Test
    void builderChecksItsArguments() {
        PushClientBuilder builder = PushClient.builder();
        assertThatThrownBy(() -> builder.port(70_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port: 70000 (expected: 1..65535)");
        assertThatThrownBy(() -> builder.host(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> builder.maxPendingCommands(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.onMessage(null)).isInstanceOf(NullPointerException.class);
    }
}
