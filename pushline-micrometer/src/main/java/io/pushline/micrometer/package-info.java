/**
 * Publishes a Pushline server's metrics to Micrometer. Kept apart so that the core modules do not depend on it.
 *
 * <h2>Starting points</h2>
 * <ul>
 *   <li>{@link io.pushline.micrometer.PushlineMetrics}: a {@code MeterBinder} over
 *       {@link io.pushline.PushMetrics} snapshots, for example {@code PushlineMetrics.of(server::metrics)}.</li>
 * </ul>
 */
package io.pushline.micrometer;
