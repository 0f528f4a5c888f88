/**
 * JMH microbenchmarks of Pushline's hot path that need package access to the Netty transport's internals
 * (framing, and fan-out of one message to K channels). They live in the same package as
 * {@code pushline-netty}'s classes and run from the benchmark jar's class path only.
 */
package io.pushline.netty;
