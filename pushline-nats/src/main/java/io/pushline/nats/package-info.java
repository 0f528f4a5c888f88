/**
 * NATS for Pushline: a {@link io.pushline.MessageSource} on core NATS subjects, with history in JetStream, and a
 * publisher for host applications, on the official Java client (jnats).
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.nats.NatsMessageSource}: subscribes subjects and NATS wildcards
 *       ({@link io.pushline.PatternDialect#natsSubjects()}: {@code *} one token, a last {@code >} one or more) for
 *       a push server, confirms every change with a server round trip, reconnects forever with jittered backoff
 *       and re-subscribes, reports {@link io.pushline.SourceState#DOWN DOWN}, {@link io.pushline.SourceState#UP UP}
 *       and the re-subscription, and reports the messages jnats drops past its pending limits as shed. Create it
 *       with {@code NatsMessageSource.create("nats://host:4222")}.</li>
 *   <li>{@link io.pushline.nats.NatsPublisher}: publishes from host code.</li>
 *   <li>History: both, given the same {@link io.pushline.HistoryOptions}, keep the last messages of the topics the
 *       options name in JetStream, one stream per topic whose sequence numbers are the topic's offsets and whose
 *       name holds the epoch; see {@link io.pushline.nats.NatsMessageSource}.</li>
 * </ul>
 *
 * <p>Payloads are bytes end to end. Both types are thread-safe. Only
 * {@link io.pushline.nats.NatsMessageSource#start(io.pushline.MessageListener)}, creating a publisher, and
 * {@code close()} wait for the server, each bounded; every other method returns a future at once.
 */
package io.pushline.nats;
