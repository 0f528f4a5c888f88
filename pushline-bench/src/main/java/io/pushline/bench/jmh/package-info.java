/** JMH microbenchmarks of Pushline's public API on the hot path (the client registry). */
package io.pushline.bench.jmh;
