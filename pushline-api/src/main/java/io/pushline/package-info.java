/**
 * Pushline's public API: value types and service-provider interfaces, free of any transport or broker types.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.Message}: one message on a topic, as a broker delivered it.</li>
 *   <li>{@link io.pushline.MessageSource}: the broker SPI; {@link io.pushline.InMemoryMessageSource} is the
 *       embedded default that host code publishes to.</li>
 *   <li>{@link io.pushline.Framing}: how messages are delimited on the wire ({@code lines()} or
 *       {@code lengthPrefixed()}).</li>
 *   <li>{@link io.pushline.ClientRegistry}: connected clients and their subscriptions, made for fast fan-out reads.</li>
 *   <li>{@link io.pushline.ClientFrameHandler} and {@link io.pushline.ClientHandlers}: what happens to frames that
 *       clients send.</li>
 *   <li>{@link io.pushline.PushListener}: events for logging and metrics.</li>
 * </ul>
 *
 * <p>Every type in this package is either immutable or documents its thread-safety. Nothing here accepts or
 * returns {@code null} unless its Javadoc says so.
 */
package io.pushline;
