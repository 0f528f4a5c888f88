/**
 * Test support for Pushline and its extensions.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.test.RedisServerExtension}: a private {@code redis-server} on a free loopback port per
 *       test class, which tests can stop and restart to simulate outages.</li>
 *   <li>{@link io.pushline.test.NatsServerExtension}: the same for {@code nats-server} with JetStream, which tests
 *       can also restart with its streams wiped.</li>
 *   <li>{@link io.pushline.test.RedisClusterExtension}: a private Redis Cluster (3 masters with a replica each, by
 *       default) per test class, with failovers (graceful, forced, {@code kill -9}), slot migrations, and nodes
 *       stopped and started; its {@link io.pushline.test.ClusterNode}s are the processes.</li>
 *   <li>{@link io.pushline.test.LeakDetectionExtension}: fails a test when Netty reports a leaked buffer.
 *       Run tests with {@code -Dio.netty.leakDetection.level=paranoid} and
 *       {@code -Dio.netty.customResourceLeakDetector=io.pushline.test.RecordingLeakDetector}; without them it
 *       warns once and checks nothing.</li>
 *   <li>{@link io.pushline.test.TcpTestClient}, {@link io.pushline.test.RespClient} and
 *       {@link io.pushline.test.CloseAfterEach}: a blocking client for either framing, a RESP client, and cleanup
 *       after each test.</li>
 * </ul>
 *
 * <p>The contract test every {@link io.pushline.MessageSource} should pass is in its own artifact,
 * {@code pushline-tck}, which needs neither Netty nor Redis.
 */
package io.pushline.test;
