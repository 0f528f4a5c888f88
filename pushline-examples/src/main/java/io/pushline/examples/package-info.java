/**
 * Short example mains a host application can copy. They use the public API only.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.examples.RedisToTcpExample}: a relay of the Redis channel {@code updates} to
 *       every TCP client as CRLF lines, with echo.</li>
 *   <li>{@link io.pushline.examples.NatsToTcpExample}: the same host code with a NATS source (subjects, NATS
 *       wildcards).</li>
 *   <li>{@link io.pushline.examples.InMemoryExample}: the same on the embedded in-memory source; lines typed on
 *       standard input are pushed.</li>
 *   <li>{@link io.pushline.examples.ConsoleClient}: a console client: prints every push, sends every line typed.</li>
 *   <li>{@link io.pushline.examples.TickerExample}: per-client subscriptions with the {@code commands}
 *       protocol, and {@link io.pushline.examples.TickerClientExample}, its Java client.</li>
 *   <li>{@link io.pushline.examples.UserTopicsExample}: per-user topics subscribed server-side when a client
 *       authenticates, reaching a user's connections on every node.</li>
 * </ul>
 */
package io.pushline.examples;
