package io.pushline.netty.client;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Position;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.Topics;
import io.pushline.internal.Checks;
import io.pushline.netty.client.PushClient.State;
import io.pushline.netty.internal.Tls;
import java.io.File;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Configures a {@link PushClient}. Setters check their argument at once. Not thread-safe; the client it
 * builds is.
 */
public final class PushClientBuilder {
    /** The default host: {@value}. */
    public static final String DEFAULT_HOST = "localhost";
    /** The default port, the server's default: {@value}. */
    public static final int DEFAULT_PORT = 5567;
    /** The default framing: {@link Framing#lines()}. */
    public static final Framing DEFAULT_FRAMING = Framing.lines();
    /** The default protocol: {@link Protocol#COMMANDS}. */
    public static final Protocol DEFAULT_PROTOCOL = Protocol.COMMANDS;
    /** The default connect timeout: 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The default reconnect policy: {@link ReconnectPolicy#DEFAULT}. */
    public static final ReconnectPolicy DEFAULT_RECONNECT_POLICY = ReconnectPolicy.DEFAULT;
    /** The default limit on commands waiting for a reply, past which publishes and pings fail: {@value}. */
    public static final int DEFAULT_MAX_PENDING_COMMANDS = 1024;

    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    // package-private: read by ClientConnection
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    Framing framing = DEFAULT_FRAMING;
    Protocol protocol = DEFAULT_PROTOCOL;
    private SslContext sslContext;
    private File trustedCaPem;
    private SslProvider tlsProvider;
    Consumer<Message> messageListener = message -> { };
    Consumer<State> stateListener = state -> { };
    ResumeListener resumeListener = new ResumeListener() { };
    Map<String, Position> positions = Map.of();
    ReconnectPolicy reconnectPolicy = DEFAULT_RECONNECT_POLICY;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    int maxPendingCommands = DEFAULT_MAX_PENDING_COMMANDS;
    EventLoopGroup eventLoopGroup;
    boolean nativeTransport = true;
    Supplier<String> authTokens;
    boolean fixedToken;

    PushClientBuilder() {
    }

    /**
     * Sets the server's host name or address. Defaults to {@link #DEFAULT_HOST}; resolved again on every
     * connection attempt.
     *
     * @param host a host name or address, for example {@code "127.0.0.1"}
     * @return this builder
     */
    public PushClientBuilder host(String host) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
        }
        this.host = host;
        return this;
    }

    /**
     * Sets the server's port. Defaults to {@link #DEFAULT_PORT}.
     *
     * @param port 1 to 65535
     * @return this builder
     */
    public PushClientBuilder port(int port) {
        this.port = Checks.inRange(port, 1, 65_535, "port");
        return this;
    }

    /**
     * Sets the framing; it must match the server's, and its maximum frame length bounds the frames the client
     * accepts and sends. Defaults to {@link #DEFAULT_FRAMING}.
     *
     * @param framing the framing
     * @return this builder
     */
    public PushClientBuilder framing(Framing framing) {
        this.framing = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /**
     * Sets the protocol; it must match the server's. Defaults to {@link #DEFAULT_PROTOCOL}.
     *
     * @param protocol the protocol
     * @return this builder
     */
    public PushClientBuilder protocol(Protocol protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return this;
    }

    /**
     * Sets the listener for pushed messages. Defaults to ignoring them.
     *
     * <p>It is called on the client's event loop thread, one message at a time, in the order the messages
     * arrived (on {@code commands} each has the concrete topic, also for pattern subscriptions; on {@code raw}
     * every message is on {@link PushClient#RAW_TOPIC}). Messages of topics with history carry their
     * {@link Message#position() position}; on a topic subscribed to by name each reaches the listener at most
     * once, in order (see {@link PushClient}). It must be fast and must not block (hand slow work to
     * an executor), and must not wait for this client's futures. What it throws is caught and logged; the next
     * message is delivered as usual.
     *
     * @param listener the listener
     * @return this builder
     */
    public PushClientBuilder onMessage(Consumer<Message> listener) {
        this.messageListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Sets the listener for state changes. Defaults to ignoring them.
     *
     * <p>It is called on the client's event loop thread, in the order the changes happened, once per change.
     * It must be fast and must not block; what it throws is caught and logged.
     *
     * @param listener the listener
     * @return this builder
     */
    public PushClientBuilder onStateChange(Consumer<State> listener) {
        this.stateListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Sets the listener that hears how topics with history were resumed: what was {@link ResumeListener#recovered
     * recovered}, which topics {@link ResumeListener#lost lost} messages (the app should then reload what it
     * derives from them), and which subscriptions the server {@link ResumeListener#refused refused} for good (the
     * client forgot them). Defaults to ignoring all three. See "Subscriptions survive reconnects" and "Positions and
     * resuming" on {@link PushClient}.
     *
     * <p>It is called on the client's event loop thread, in order with the messages. It must be fast and must not
     * block; what it throws is caught and logged.
     *
     * @param listener the listener
     * @return this builder
     */
    public PushClientBuilder onResume(ResumeListener listener) {
        this.resumeListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Starts from saved positions, typically {@link PushClient#positions()} of an earlier run: subscribing to one of
     * these topics resumes after its position ({@code SUB <topic> FROM <position>}), so that a restarted app gets
     * what it missed, each message once. Replaces positions given before; defaults to none.
     *
     * @param positions the last position delivered, per topic; copied
     * @return this builder
     * @throws IllegalArgumentException when a key is not a valid topic
     */
    public PushClientBuilder positions(Map<String, Position> positions) {
        Objects.requireNonNull(positions, "positions");
        Map<String, Position> copy = new HashMap<>();
        positions.forEach((topic, position) -> {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(position, "position");
            String problem = Topics.problem(topic, "topic");
            if (problem != null) {
                throw new IllegalArgumentException("positions: " + Checks.describe("topic", topic, problem));
            }
            copy.put(topic, position);
        });
        this.positions = Map.copyOf(copy);
        return this;
    }

    /**
     * Sets when the client reconnects. Defaults to {@link #DEFAULT_RECONNECT_POLICY}.
     *
     * @param policy the policy, for example {@link ReconnectPolicy#none()}
     * @return this builder
     */
    public PushClientBuilder reconnectPolicy(ReconnectPolicy policy) {
        this.reconnectPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Sets how long one connection attempt may take. Defaults to {@link #DEFAULT_CONNECT_TIMEOUT}.
     *
     * @param timeout a positive duration, at most {@code Integer.MAX_VALUE} milliseconds
     * @return this builder
     */
    public PushClientBuilder connectTimeout(Duration timeout) {
        Checks.positive(timeout, "connectTimeout");
        if (timeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "connectTimeout: " + timeout + " (expected: <= " + MAX_CONNECT_TIMEOUT + ")");
        }
        this.connectTimeout = timeout;
        return this;
    }

    /**
     * Sets how many commands may wait for their reply at once before publishes and pings fail at once with a
     * {@link PushlineException}; subscription commands count, but are never refused. Defaults to
     * {@link #DEFAULT_MAX_PENDING_COMMANDS}.
     *
     * @param maxPendingCommands at least 1
     * @return this builder
     */
    public PushClientBuilder maxPendingCommands(int maxPendingCommands) {
        this.maxPendingCommands = Checks.positive(maxPendingCommands, "maxPendingCommands");
        return this;
    }

    /**
     * Runs the client on one event loop of the host's group instead of a thread of its own. The client never
     * shuts the group down. Its transport (epoll or NIO) is detected from the group. Defaults to a one-thread
     * group the client creates and shuts down on {@link PushClient#close()}.
     *
     * @param group the group
     * @return this builder
     */
    public PushClientBuilder eventLoopGroup(EventLoopGroup group) {
        this.eventLoopGroup = Objects.requireNonNull(group, "group");
        return this;
    }

    /**
     * Speaks TLS with a host-made Netty client {@link SslContext} (custom trust, or a client certificate for
     * mutual TLS: {@code SslContextBuilder.forClient().keyManager(cert, key)}). The server's certificate must
     * name the host. Off by default.
     *
     * @param sslContext a client context
     * @return this builder
     */
    public PushClientBuilder tls(SslContext sslContext) {
        Objects.requireNonNull(sslContext, "sslContext");
        if (!sslContext.isClient()) {
            throw new IllegalArgumentException("sslContext: a server context (expected: a client context)");
        }
        this.sslContext = sslContext;
        this.trustedCaPem = null;
        return this;
    }

    /**
     * Speaks TLS 1.2 or 1.3, trusting the CA certificates in a PEM file. Off by default. The TLS implementation
     * is OpenSSL when {@code netty-tcnative} is on the class path and the JDK's otherwise, unless
     * {@link #tlsProvider(SslProvider)} chooses one.
     *
     * @param trustedCaPem the CA certificates the server's certificate must chain to, PEM
     * @return this builder
     * @throws IllegalArgumentException when the file cannot be loaded
     */
    public PushClientBuilder tls(File trustedCaPem) {
        Objects.requireNonNull(trustedCaPem, "trustedCaPem");
        this.sslContext = caContext(trustedCaPem, SslProvider.JDK); // checks the file now; built again at build()
        this.trustedCaPem = trustedCaPem;
        return this;
    }

    /**
     * Chooses the TLS implementation for {@link #tls(File)}: {@link SslProvider#OPENSSL} (BoringSSL from
     * {@code netty-tcnative-boringssl-static}, which must then be on the class path) or {@link SslProvider#JDK}.
     * By default OpenSSL is used when it is available and the JDK's otherwise. A context given to
     * {@link #tls(SslContext)} keeps its own.
     *
     * @param provider the provider; null for the default
     * @return this builder
     */
    public PushClientBuilder tlsProvider(SslProvider provider) {
        this.tlsProvider = provider;
        return this;
    }

    private static SslContext caContext(File trustedCaPem, SslProvider provider) {
        try {
            return SslContextBuilder.forClient().trustManager(trustedCaPem).protocols(Tls.PROTOCOLS)
                    .sslProvider(Tls.providerOrDefault(provider)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: cannot load " + trustedCaPem + ": " + e.getMessage(), e);
        }
    }

    SslContext buildSslContext() {
        return trustedCaPem != null ? caContext(trustedCaPem, tlsProvider) : sslContext;
    }

    /**
     * Sets whether the client's own event loop uses the native epoll transport when available. Defaults to
     * {@code true}; NIO is used otherwise. Ignored with {@link #eventLoopGroup(EventLoopGroup)}.
     *
     * @param nativeTransport whether to prefer epoll
     * @return this builder
     */
    public PushClientBuilder nativeTransport(boolean nativeTransport) {
        this.nativeTransport = nativeTransport;
        return this;
    }

    /**
     * Sets the credentials the client presents on every connection before anything else, for a server with
     * an {@code Authenticator}. On {@code commands} it sends {@code AUTH <token>} and waits for {@code +OK}
     * before re-sending its subscriptions and reporting {@link State#CONNECTED}; on {@code raw} the token is
     * the first frame. On {@code commands} a refused token ({@code -ERR unauthorized}) fails the pending
     * {@link PushClient#connect()} and closes the client ({@link State#CLOSED}) whatever the reconnect policy:
     * every reconnect would present the same token and be refused again. On {@code raw} the server does not
     * acknowledge a token: a refusal arrives as a {@code -ERR unauthorized} message, then a close, and the
     * client reconnects as its {@link #reconnectPolicy(ReconnectPolicy) policy} says.
     *
     * @param token the token, such as a JWT; no CR, LF or space (one protocol argument)
     * @return this builder
     * @throws IllegalArgumentException when the token is empty or contains CR, LF or a space
     */
    public PushClientBuilder auth(String token) {
        String checked = ClientCommand.checkToken(token);
        this.authTokens = () -> checked;
        this.fixedToken = true;
        return this;
    }

    /**
     * Like {@link #auth(String)}, but asks {@code tokens} for the token on every connection attempt, for
     * credentials that expire (a JWT refreshed elsewhere). A refused token does not close the client: it
     * disconnects and reconnects by its {@link ReconnectPolicy}, asking again. The supplier runs on the client's
     * event loop and must not block; a null or invalid token fails that attempt.
     *
     * @param tokens gives the current token
     * @return this builder
     */
    public PushClientBuilder auth(Supplier<String> tokens) {
        this.authTokens = Objects.requireNonNull(tokens, "tokens");
        this.fixedToken = false;
        return this;
    }

    /**
     * Builds the client, not yet connected (see {@link PushClient#connect()}). The client holds an event loop
     * thread (its own unless one was given) until it is closed.
     *
     * @return the client
     * @throws IllegalStateException when {@link #tlsProvider(SslProvider)} chose OpenSSL for {@link #tls(File)}
     *     and it is not available
     */
    public PushClient build() {
        return PushClient.create(this);
    }
}
