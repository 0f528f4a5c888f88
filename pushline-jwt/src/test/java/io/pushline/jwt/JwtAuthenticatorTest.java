package io.pushline.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.pushline.Client;
import io.pushline.Protocol;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.PushServer;
import io.pushline.test.CloseAfterEach;
import io.pushline.test.TcpTestClient;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Valid tokens pass; missing, malformed, expired, early, wrongly signed and mis-typed ones are rejected. */
class JwtAuthenticatorTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private final Client client = new Client() {
        @Override
        public String id() {
            return "test";
        }

        @Override
        public SocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean send(byte[] payload) {
            return true;
        }

        @Override
        public void close() {
        }
    };

    private static JwtAuthenticator.Builder at(Instant now) {
        return JwtAuthenticator.builder().clock(Clock.fixed(now, ZoneOffset.UTC)).clockSkew(Duration.ofSeconds(30));
    }

    private static JWTClaimsSet.Builder claims(Duration expiresIn) {
        return new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(NOW.plus(expiresIn)))
                .claim("topics", List.of("news", "stock.*")).claim("publish", List.of("chat"));
    }

    private static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private String principal(JwtAuthenticator auth, String token) {
        io.pushline.Authentication result = auth.authenticate(client, token.getBytes(StandardCharsets.UTF_8)).join();
        return result == null ? null : result.principal();
    }

    @Test
    void hs256RS256AndEs256TokensAreAccepted() throws Exception {
        assertThat(principal(at(NOW).hmacSecret(SECRET).build(),
                sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5)).build()))).isEqualTo("alice");

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaKeys = rsa.generateKeyPair();
        assertThat(principal(at(NOW).rsaPublicKey((RSAPublicKey) rsaKeys.getPublic()).build(),
                sign(new RSASSASigner(rsaKeys.getPrivate()), JWSAlgorithm.RS256, claims(Duration.ofMinutes(5)).build())))
                .isEqualTo("alice");

        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ecKeys = ec.generateKeyPair();
        assertThat(principal(at(NOW).ecPublicKey((ECPublicKey) ecKeys.getPublic()).build(),
                sign(new ECDSASigner((ECPrivateKey) ecKeys.getPrivate()), JWSAlgorithm.ES256,
                        claims(Duration.ofMinutes(5)).build()))).isEqualTo("alice");
    }

    @Test
    void badTokensAreRejected() throws Exception {
        JwtAuthenticator auth = at(NOW).hmacSecret(SECRET).build();
        MACSigner signer = new MACSigner(SECRET);
        byte[] otherSecret = new byte[32];
        new SecureRandom().nextBytes(otherSecret);
        assertThat(principal(auth, "")).as("missing").isNull();
        assertThat(principal(auth, "not.a.jwt")).as("malformed").isNull();
        assertThat(principal(auth, sign(signer, JWSAlgorithm.HS256, claims(Duration.ofMinutes(-5)).build())))
                .as("expired").isNull();
        assertThat(principal(auth, sign(signer, JWSAlgorithm.HS256, claims(Duration.ofSeconds(-10)).build())))
                .as("expired within the clock skew").isEqualTo("alice");
        assertThat(principal(auth, sign(signer, JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                .notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(2)))).build()))).as("not yet valid").isNull();
        assertThat(principal(auth, sign(new MACSigner(otherSecret), JWSAlgorithm.HS256,
                claims(Duration.ofMinutes(5)).build()))).as("wrongly signed").isNull();
        byte[] longSecret = new byte[64];
        System.arraycopy(SECRET, 0, longSecret, 0, SECRET.length);
        assertThat(principal(auth, sign(new MACSigner(longSecret), JWSAlgorithm.HS384,
                claims(Duration.ofMinutes(5)).build()))).as("another algorithm").isNull();
        assertThat(principal(auth, new PlainJWT(claims(Duration.ofMinutes(5)).build()).serialize()))
                .as("alg none").isNull();
        assertThat(principal(auth, sign(signer, JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject("alice")
                .build()))).as("no exp").isNull();
        assertThat(principal(at(NOW).hmacSecret(SECRET).issuer("https://issuer").build(),
                sign(signer, JWSAlgorithm.HS256, claims(Duration.ofMinutes(5)).build()))).as("wrong issuer").isNull();
    }

    @Test
    void theTopicsClaimFeedsTheAuthorizerAndPatternsCannotEscalate() throws Exception {
        JwtAuthenticator auth = at(NOW).hmacSecret(SECRET).build();
        TopicAuthorizer authorizer = auth.authorizer();
        assertThat(authorizer.authorize(client, null, "news", false, TopicAuthorizer.Action.SUBSCRIBE))
                .as("before authentication").isFalse();
        principal(auth, sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5)).build()));
        assertThat(authorizer.authorize(client, "alice", "news", false, TopicAuthorizer.Action.SUBSCRIBE)).isTrue();
        assertThat(authorizer.authorize(client, "alice", "stock.ACME", false, TopicAuthorizer.Action.SUBSCRIBE))
                .isTrue();
        assertThat(authorizer.authorize(client, "alice", "secret", false, TopicAuthorizer.Action.SUBSCRIBE))
                .isFalse();
        assertThat(authorizer.authorize(client, "alice", "stock.*", true, TopicAuthorizer.Action.SUBSCRIBE))
                .isTrue();
        assertThat(authorizer.authorize(client, "alice", "*", true, TopicAuthorizer.Action.SUBSCRIBE)).isFalse();
        assertThat(authorizer.authorize(client, "alice", "stock.A*", true, TopicAuthorizer.Action.SUBSCRIBE))
                .as("a pattern is granted only as written").isFalse();
        assertThat(authorizer.authorize(client, "alice", "chat", false, TopicAuthorizer.Action.PUBLISH)).isTrue();
        assertThat(authorizer.authorize(client, "alice", "news", false, TopicAuthorizer.Action.PUBLISH)).isFalse();
    }

    @Test
    void theBuilderNeedsExactlyOneKey() {
        assertThatThrownBy(() -> JwtAuthenticator.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JwtAuthenticator.builder().hmacSecret(new byte[8]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtAuthenticator.builder().hmacSecret(SECRET).hmacSecret(SECRET))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void endToEndOnACommandsServer() throws Exception {
        JwtAuthenticator jwt = JwtAuthenticator.builder().hmacSecret(SECRET).build(); // the real clock
        PushServer server = closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .authenticator(jwt).authorizer(jwt.authorizer()).build().start());
        String token = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject("alice")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))
                .claim("topics", List.of("news")).build());
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("AUTH " + token + "\r\nSUB news\r\nSUB secret\r\nPSUB *\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("-ERR forbidden");
        assertThat(c.readLine()).isEqualTo("-ERR forbidden");
        TcpTestClient forged = closer.add(new TcpTestClient(server.port()));
        forged.send("AUTH " + token.substring(0, token.length() - 4) + "AAAA\r\n");
        assertThat(forged.readLine()).isEqualTo("-ERR unauthorized");
        assertThat(forged.closedByServer()).isTrue();
    }

    private static String token(String subject, Duration validFor, List<String> topics) throws Exception {
        return sign(new MACSigner(SECRET), JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject(subject)
                .expirationTime(Date.from(Instant.now().plus(validFor))).claim("topics", topics).build());
    }

    private PushServer jwtServer(JwtAuthenticator jwt) {
        return closer.add(PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .authenticator(jwt).authorizer(jwt.authorizer()).build().start());
    }

    private static void publish(PushServer server, String topic, String payload) {
        ((io.pushline.InMemoryMessageSource) server.source()).publish(topic,
                payload.getBytes(StandardCharsets.UTF_8)).join();
    }

    @Test
    void anExpiredTokenEndsItsConnection() throws Exception {
        // no clock skew: the connection ends at exp itself (exp has whole seconds: 3 to 4 s from now)
        JwtAuthenticator jwt = JwtAuthenticator.builder().hmacSecret(SECRET).clockSkew(Duration.ZERO).build();
        PushServer server = jwtServer(jwt);
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("AUTH " + token("alice", Duration.ofSeconds(4), List.of("news")) + "\r\nSUB news\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        publish(server, "news", "while valid");
        assertThat(c.readLine()).isEqualTo("MSG news - while valid");
        long started = System.nanoTime();
        assertThat(c.readLine()).as("the next thing it hears").isEqualTo("-ERR unauthorized: expired");
        assertThat(c.closedByServer()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        org.awaitility.Awaitility.await().until(() -> server.metrics().connectionsClosed()
                .getOrDefault(io.pushline.CloseReason.AUTH_EXPIRED, 0L) == 1L);
    }

    @Test
    void aFreshTokenBeforeExpiryKeepsTheConnection() throws Exception {
        JwtAuthenticator jwt = JwtAuthenticator.builder().hmacSecret(SECRET).clockSkew(Duration.ZERO).build();
        PushServer server = jwtServer(jwt);
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        // exp has whole seconds: the first token ends 4 to 5 s from now
        c.send("AUTH " + token("alice", Duration.ofSeconds(5), List.of("news")) + "\r\nSUB news\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        assertThat(c.readLine()).isEqualTo("+OK");
        c.send("AUTH " + token("alice", Duration.ofMinutes(5), List.of("news")) + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        // past the first token's expiry, still connected and still subscribed
        org.awaitility.Awaitility.await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                .until(() -> server.connectionCount() == 1);
        publish(server, "news", "still here");
        assertThat(c.readLine()).isEqualTo("MSG news - still here");
    }

    @Test
    void authenticatingAgainAsSomeoneElseEndsWhatTheNewTokenDoesNotGrant() throws Exception {
        JwtAuthenticator jwt = JwtAuthenticator.builder().hmacSecret(SECRET).build();
        PushServer server = jwtServer(jwt);
        TcpTestClient c = closer.add(new TcpTestClient(server.port()));
        c.send("AUTH " + token("alice", Duration.ofMinutes(5), List.of("alice.*", "news")) + "\r\n"
                + "SUB alice.inbox\r\nSUB news\r\nPSUB alice.*\r\n");
        for (int i = 0; i < 4; i++) {
            assertThat(c.readLine()).isEqualTo("+OK");
        }
        c.send("AUTH " + token("bob", Duration.ofMinutes(5), List.of("news")) + "\r\n");
        assertThat(c.readLine()).isEqualTo("+OK");
        org.awaitility.Awaitility.await().until(() -> server.topics().equals(java.util.Set.of("news"))
                && server.patterns().isEmpty());
        publish(server, "alice.inbox", "for alice only");
        publish(server, "news", "for everyone");
        assertThat(c.readLine()).isEqualTo("MSG news - for everyone");
        assertThat(server.clients().iterator().next().principal()).contains("bob");
    }

    @Test
    void malformedGrantClaimsAreRefusedCleanly() throws Exception {
        JwtAuthenticator jwt = at(NOW).hmacSecret(SECRET).build();
        java.util.List<Object> withNull = new java.util.ArrayList<>();
        withNull.add("news");
        withNull.add(null);
        for (Object topics : List.of(withNull, List.of("news", 42), "news", List.of("bad topic"))) {
            String token = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                    .claim("topics", topics).build());
            assertThat(principal(jwt, token)).as("topics claim " + topics).isNull();
        }
        String publishNull = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                .claim("publish", withNull).build());
        assertThat(principal(jwt, publishNull)).isNull();
    }

    @Test
    void aGrantWithManyWildcardsIsCheckedQuickly() throws Exception {
        JwtAuthenticator jwt = at(NOW).hmacSecret(SECRET).build();
        String token = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                .claim("topics", List.of("*.*.*.*.x", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")).build());
        assertThat(principal(jwt, token)).isEqualTo("alice");
        TopicAuthorizer authorizer = jwt.authorizer();
        String topic = "a.".repeat(100) + "ac"; // matches neither grant, after all the work
        long started = System.nanoTime();
        for (int i = 0; i < 1_000; i++) {
            assertThat(authorizer.authorize(client, "alice", topic, false, TopicAuthorizer.Action.SUBSCRIBE)).isFalse();
        }
        // backtracking took 0.33 s for one SUB of this kind; the matcher is bounded by the lengths
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void grantsAreReadInTheSourcesDialect() throws Exception {
        String token = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                .claim("topics", List.of("news.>")).build());
        JwtAuthenticator nats = at(NOW).hmacSecret(SECRET).patternDialect(io.pushline.PatternDialect.natsSubjects())
                .build();
        assertThat(principal(nats, token)).isEqualTo("alice");
        TopicAuthorizer natsGrants = nats.authorizer();
        assertThat(natsGrants.authorize(client, "alice", "news.sport.live", false, TopicAuthorizer.Action.SUBSCRIBE))
                .as("'>' is the tail in NATS").isTrue();
        JwtAuthenticator redis = at(NOW).hmacSecret(SECRET).build();
        assertThat(principal(redis, token)).isEqualTo("alice");
        assertThat(redis.authorizer().authorize(client, "alice", "news.sport.live", false,
                TopicAuthorizer.Action.SUBSCRIBE)).as("'>' is a plain byte in a Redis glob").isFalse();
        String badForNats = sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims(Duration.ofMinutes(5))
                .claim("topics", List.of("news..x")).build());
        assertThat(principal(nats, badForNats)).as("not a NATS subject: refused").isNull();
    }
}
