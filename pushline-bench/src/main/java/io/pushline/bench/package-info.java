/**
 * The Pushline load tool: {@code java -jar pushline-bench.jar load ...} starts a private {@code redis-server} and a
 * Pushline server process, opens N TCP clients, publishes to Redis and reports deliveries, loss, latency, CPU and
 * memory, with the same clients subscribed directly to Redis as the baseline. See {@code BENCHMARKS.md}.
 */
package io.pushline.bench;
