/**
 * JMH microbenchmarks of Pushline's hot path: the client registry, framing, and the fan-out of one message to many
 * channels (through the server's own fan-out, wired by {@code FanOutHarness}, without sockets).
 */
package io.pushline.bench.jmh;
