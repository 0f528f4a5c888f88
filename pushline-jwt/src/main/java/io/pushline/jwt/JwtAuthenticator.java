package io.pushline.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.Client;
import io.pushline.PatternDialect;
import io.pushline.TopicAuthorizer;
import io.pushline.internal.LogText;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JSON Web Tokens presented with {@code AUTH <token>} (or as the first frame of a {@code raw} client):
 * the signature with the one key configured (HS256 shared secret, RS256 or ES256 public key; the token's
 * {@code alg} must match it, so {@code none} and algorithm confusion are refused), {@code exp} and {@code nbf}
 * with a clock skew, and {@code iss}/{@code aud} when configured. The principal is the {@code sub} claim.
 *
 * <p>{@link #authorizer()} grants each client what its token's claims list: {@code topics} (strings) for
 * subscribing, {@code publish} for publishing. An entry may be a glob ({@code stock.*}): it grants every topic it
 * matches, and exactly that pattern for {@code PSUB}; a pattern is never granted because a wider entry matches its
 * text. Parsing and checks are nimbus-jose-jwt's; nothing is hand-rolled.
 *
 * <pre>{@code
 * JwtAuthenticator jwt = JwtAuthenticator.builder().hmacSecret(secret).build();
 * PushServer.builder().protocol(Protocol.COMMANDS).authenticator(jwt).authorizer(jwt.authorizer())...
 * }</pre>
 *
 * <p>Thread-safe. Verification is CPU work of a few tens of microseconds and runs on the caller's (I/O) thread.
 */
public final class JwtAuthenticator implements Authenticator {
    /** The default allowed clock difference for {@code exp} and {@code nbf}: 60 seconds. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);

    private final JWSAlgorithm algorithm;
    private final JWSVerifier verifier;
    private final Duration clockSkew;
    private final Clock clock;
    private final String issuer;
    private final String audience;
    private final PatternDialect dialect;
    /** What each authenticated client's token granted; entries vanish with the client. */
    private final Map<Client, Grants> grants = Collections.synchronizedMap(new WeakHashMap<>());

    private JwtAuthenticator(Builder b) {
        this.algorithm = b.algorithm;
        this.verifier = b.verifier;
        this.clockSkew = b.clockSkew;
        this.clock = b.clock;
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.dialect = b.dialect;
    }

    /**
     * Starts a builder; exactly one key must be set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Verifies the token and returns its subject, valid until the token's {@code exp} plus the clock skew: the
     * server ends the connection then unless the client sent a fresh token ({@code AUTH} again) before. A token
     * that fails any check, or whose {@code topics} or {@code publish} claim is not a list of valid topics and
     * patterns, is refused (a completed {@code null}); the reason is logged at DEBUG.
     */
    @Override
    public CompletableFuture<Authentication> authenticate(Client client, byte[] credentials) {
        try {
            JWTClaimsSet claims = verify(new String(credentials, StandardCharsets.UTF_8).trim());
            Grants granted = new Grants(grantList(claims, "topics"), grantList(claims, "publish"), dialect);
            grants.put(client, granted);
            return CompletableFuture.completedFuture(Authentication.until(claims.getSubject(),
                    claims.getExpirationTime().toInstant().plus(clockSkew)));
        } catch (ParseException | JOSEException | RejectedToken e) {
            LOG.debug("client {}: token rejected: {}", client.id(), LogText.escape(e.getMessage()));
            return CompletableFuture.completedFuture(null);
        }
    }

    /** A claim that must be absent or a list of topics and patterns valid in the dialect. */
    private List<String> grantList(JWTClaimsSet claims, String name) throws ParseException, RejectedToken {
        Object raw = claims.getClaim(name);
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> list)) {
            throw new RejectedToken("claim " + name + " is not a list");
        }
        List<String> entries = new ArrayList<>(list.size());
        for (Object entry : list) {
            if (!(entry instanceof String text) || dialect.patternProblem(text) != null) {
                throw new RejectedToken("claim " + name + " holds " + (entry == null ? "null"
                        : entry instanceof String ? "an invalid topic" : "a " + entry.getClass().getSimpleName()));
            }
            entries.add(text);
        }
        return entries;
    }

    private JWTClaimsSet verify(String token) throws ParseException, JOSEException, RejectedToken {
        SignedJWT jwt = SignedJWT.parse(token);
        if (!algorithm.equals(jwt.getHeader().getAlgorithm())) {
            throw new RejectedToken("algorithm " + jwt.getHeader().getAlgorithm() + " (expected: " + algorithm + ")");
        }
        if (!jwt.verify(verifier)) {
            throw new RejectedToken("bad signature");
        }
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null || now.minus(clockSkew).isAfter(exp.toInstant())) {
            throw new RejectedToken(exp == null ? "no exp claim" : "expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(clockSkew).isBefore(nbf.toInstant())) {
            throw new RejectedToken("not valid before " + nbf.toInstant());
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            throw new RejectedToken("issuer " + claims.getIssuer());
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw new RejectedToken("audience " + claims.getAudience());
        }
        if (claims.getSubject() == null || claims.getSubject().isEmpty()) {
            throw new RejectedToken("no sub claim");
        }
        return claims;
    }

    /**
     * Returns the authorizer that grants each client what its token's {@code topics} and {@code publish} claims
     * list (nothing to a client this authenticator did not accept).
     *
     * @return the authorizer
     */
    public TopicAuthorizer authorizer() {
        return (client, principal, name, pattern, action) -> {
            Grants g = grants.get(client);
            if (g == null) {
                return false;
            }
            List<PatternDialect.TopicPattern> entries = action == TopicAuthorizer.Action.PUBLISH ? g.publish : g.topics;
            for (PatternDialect.TopicPattern entry : entries) {
                if (pattern ? entry.pattern().equals(name) : entry.matches(name)) {
                    return true;
                }
            }
            return false;
        };
    }

    @Override
    public String toString() {
        return "JwtAuthenticator[" + algorithm + ", skew " + clockSkew + "]";
    }

    /** A token's grants, compiled once: matching is bounded by the lengths of entry and topic. */
    private static final class Grants {
        final List<PatternDialect.TopicPattern> topics;
        final List<PatternDialect.TopicPattern> publish;

        Grants(List<String> topics, List<String> publish, PatternDialect dialect) {
            this.topics = topics.stream().map(dialect::compile).toList();
            this.publish = publish.stream().map(dialect::compile).toList();
        }
    }

    private static final class RejectedToken extends Exception {
        private static final long serialVersionUID = 1L;

        RejectedToken(String message) {
            super(message);
        }
    }

    /** Configures a {@link JwtAuthenticator}. Not thread-safe. */
    public static final class Builder {
        private JWSAlgorithm algorithm;
        private JWSVerifier verifier;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private Clock clock = Clock.systemUTC();
        private String issuer;
        private String audience;
        private PatternDialect dialect = PatternDialect.redisGlob();

        private Builder() {
        }

        /**
         * Sets how grants are read: the same dialect as the server's source ({@code source.capabilities().dialect()}),
         * so that a grant {@code news.*} means exactly the topics the broker would deliver to {@code PSUB news.*}.
         * Defaults to {@link PatternDialect#redisGlob()}.
         *
         * @param dialect the dialect
         * @return this builder
         */
        public Builder patternDialect(PatternDialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Verifies HS256 tokens with a shared secret.
         *
         * @param secret at least 32 bytes
         * @return this builder
         * @throws IllegalArgumentException when the secret is shorter than 256 bits
         */
        public Builder hmacSecret(byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            try {
                return key(JWSAlgorithm.HS256, new MACVerifier(secret.clone()));
            } catch (JOSEException e) {
                throw new IllegalArgumentException("secret: " + e.getMessage(), e);
            }
        }

        /**
         * Verifies RS256 tokens with an RSA public key.
         *
         * @param key the public key
         * @return this builder
         */
        public Builder rsaPublicKey(RSAPublicKey key) {
            return key(JWSAlgorithm.RS256, new RSASSAVerifier(Objects.requireNonNull(key, "key")));
        }

        /**
         * Verifies ES256 tokens with an EC (P-256) public key.
         *
         * @param key the public key
         * @return this builder
         * @throws IllegalArgumentException when the key is not on P-256
         */
        public Builder ecPublicKey(ECPublicKey key) {
            try {
                return key(JWSAlgorithm.ES256, new ECDSAVerifier(Objects.requireNonNull(key, "key")));
            } catch (JOSEException e) {
                throw new IllegalArgumentException("key: " + e.getMessage(), e);
            }
        }

        private Builder key(JWSAlgorithm alg, JWSVerifier v) {
            if (verifier != null) {
                throw new IllegalStateException("a key is already set (" + algorithm + ")");
            }
            this.algorithm = alg;
            this.verifier = v;
            return this;
        }

        /**
         * Sets the allowed clock difference for {@code exp} and {@code nbf}. Defaults to
         * {@link #DEFAULT_CLOCK_SKEW}.
         *
         * @param skew zero or more
         * @return this builder
         */
        public Builder clockSkew(Duration skew) {
            if (Objects.requireNonNull(skew, "skew").isNegative()) {
                throw new IllegalArgumentException("clockSkew: " + skew + " (expected: >= 0)");
            }
            this.clockSkew = skew;
            return this;
        }

        /**
         * Sets the clock tokens are checked against. Defaults to the system UTC clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Requires this {@code iss} claim. Not checked by default.
         *
         * @param issuer the issuer
         * @return this builder
         */
        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /**
         * Requires this value in the {@code aud} claim. Not checked by default.
         *
         * @param audience the audience
         * @return this builder
         */
        public Builder audience(String audience) {
            this.audience = Objects.requireNonNull(audience, "audience");
            return this;
        }

        /**
         * Builds the authenticator.
         *
         * @return the authenticator
         * @throws IllegalStateException when no key was set
         */
        public JwtAuthenticator build() {
            if (verifier == null) {
                throw new IllegalStateException("no key: set hmacSecret, rsaPublicKey or ecPublicKey");
            }
            return new JwtAuthenticator(this);
        }
    }
}
