/**
 * Test support for Pushline and its extensions.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.test.MessageSourceContract}: the contract test (TCK) every
 *       {@link io.pushline.MessageSource} implementation extends and passes.</li>
 *   <li>{@link io.pushline.test.RedisServerExtension}: a private {@code redis-server} on a free loopback port per
 *       test class, which tests can stop and restart to simulate outages.</li>
 *   <li>{@link io.pushline.test.LeakDetectionExtension}: fails a test when Netty reports a leaked buffer.
 *       Run tests with {@code -Dio.netty.leakDetection.level=paranoid} and
 *       {@code -Dio.netty.customResourceLeakDetector=io.pushline.test.RecordingLeakDetector}.</li>
 * </ul>
 */
package io.pushline.test;
