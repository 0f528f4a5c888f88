/**
 * The Netty TCP transport.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.netty.PushServer#builder()}: configure, {@code build()}, {@code start()} and later
 *       {@code close()} a push server.</li>
 *   <li>{@link io.pushline.netty.PushClient#builder()}: a Java client for either protocol that reconnects with
 *       backoff and jitter and subscribes again by itself.</li>
 * </ul>
 *
 * <p>Everything else in this package is package-private: the channel initializer, the protocol handlers, the
 * per-event-loop fan-out and the framing encoder.
 */
package io.pushline.netty;
