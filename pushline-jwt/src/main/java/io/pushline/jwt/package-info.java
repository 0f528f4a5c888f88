/**
 * JSON Web Token authentication for Pushline, on {@code nimbus-jose-jwt}; kept apart so that the core modules do
 * not depend on it.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.jwt.JwtAuthenticator#builder()}: verifies HS256, RS256 or ES256 tokens presented with
 *       {@code AUTH <token>}, and its {@link io.pushline.jwt.JwtAuthenticator#authorizer() authorizer()} grants
 *       what each token's {@code topics} claim lists.</li>
 * </ul>
 */
package io.pushline.jwt;
