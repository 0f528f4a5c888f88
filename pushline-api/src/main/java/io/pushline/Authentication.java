package io.pushline;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link Authenticator} proved about a client: who it is, and until when that holds.
 *
 * <p>When the authentication expires, the server sends {@code -ERR unauthorized: expired} as the connection's last
 * frame (on either protocol) and closes it, unless the client authenticated again before that with a fresh token
 * ({@code AUTH} again, on {@code commands}). Immutable and thread-safe.
 */
public final class Authentication {
    private final String principal;
    private final Instant expiresAt;

    private Authentication(String principal, Instant expiresAt) {
        this.principal = principal;
        this.expiresAt = expiresAt;
    }

    /**
     * An authentication that does not expire.
     *
     * @param principal who the client is; not empty
     * @return the authentication
     */
    public static Authentication of(String principal) {
        return new Authentication(checkPrincipal(principal), null);
    }

    /**
     * An authentication that holds until {@code expiresAt} (for example a token's {@code exp}).
     *
     * @param principal who the client is; not empty
     * @param expiresAt when the server ends the connection unless the client authenticated again
     * @return the authentication
     */
    public static Authentication until(String principal, Instant expiresAt) {
        return new Authentication(checkPrincipal(principal), Objects.requireNonNull(expiresAt, "expiresAt"));
    }

    private static String checkPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        if (principal.isEmpty()) {
            throw new IllegalArgumentException("principal: '' (expected: not empty)");
        }
        return principal;
    }

    /**
     * Returns who the client is, as the {@link TopicAuthorizer} and {@link Client#principal()} see it.
     *
     * @return the principal
     */
    public String principal() {
        return principal;
    }

    /**
     * Returns when this authentication ends.
     *
     * @return the expiry, or empty when it does not expire
     */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Authentication && ((Authentication) o).principal.equals(principal)
                && Objects.equals(((Authentication) o).expiresAt, expiresAt);
    }

    @Override
    public int hashCode() {
        return principal.hashCode() * 31 + Objects.hashCode(expiresAt);
    }

    @Override
    public String toString() {
        return "Authentication[" + principal + (expiresAt == null ? "" : ", until " + expiresAt) + "]";
    }
}
