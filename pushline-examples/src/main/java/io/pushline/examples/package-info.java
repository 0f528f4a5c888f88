/**
 * Short example mains a host application can copy. They use the public API only.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.examples.RedisToTcpExample}: the blog post's server: Redis channel {@code updates} to
 *       every TCP client as CRLF lines, with echo.</li>
 *   <li>{@link io.pushline.examples.InMemoryExample}: the same on the embedded in-memory source; lines typed on
 *       standard input are pushed.</li>
 *   <li>{@link io.pushline.examples.ConsoleClient}: the blog post's console client.</li>
 *   <li>{@link io.pushline.examples.TickerExample}: per-client subscriptions with the {@code commands}
 *       protocol, and {@link io.pushline.examples.TickerClientExample}, its Java client.</li>
 * </ul>
 */
package io.pushline.examples;
