/**
 * Spring Boot auto-configuration for Pushline: a {@link io.pushline.netty.PushServer} built from
 * {@code pushline.*} properties ({@link io.pushline.spring.boot.PushlineProperties}) and the context's beans,
 * started and stopped with the application context ({@link io.pushline.spring.boot.PushServerLifecycle}), with an
 * Actuator health indicator and Micrometer meters when those are present.
 *
 * <p>Start at {@link io.pushline.spring.boot.PushlineAutoConfiguration}.
 */
package io.pushline.spring.boot;
