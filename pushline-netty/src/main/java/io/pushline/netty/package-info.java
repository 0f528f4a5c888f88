/**
 * The Netty TCP push server.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.netty.PushServer#builder()}: configure, {@code build()}, {@code start()} and later
 *       {@code close()} a push server; its option groups are {@link io.pushline.netty.ServerLimits},
 *       {@link io.pushline.netty.ServerTimeouts} and {@link io.pushline.netty.ServerTls}.</li>
 *   <li>{@code io.pushline.netty.client.PushClient}: a Java client for either protocol that reconnects with
 *       backoff and jitter and subscribes again by itself.</li>
 * </ul>
 *
 * <p>The machinery behind the server is in {@code io.pushline.netty.internal.server} and the wire code it shares
 * with the client in {@code io.pushline.netty.internal}; neither is API.
 */
package io.pushline.netty;
