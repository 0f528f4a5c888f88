package io.pushline.spring.boot;

import io.pushline.netty.PushServerBuilder;

/**
 * Adjusts the auto-configured server's builder after the {@code pushline.*} properties and the context's beans
 * were applied: for settings that have no property, such as a raw heartbeat frame or a shared event loop group.
 *
 * <pre>{@code
 * @Bean
 * PushServerBuilderCustomizer rawHeartbeat() {
 *     return builder -> builder.timeouts(t -> t.rawHeartbeat(new byte[0]));
 * }
 * }</pre>
 *
 * <p>Every bean of this type is applied, in {@link org.springframework.core.annotation.Order @Order}, on the thread
 * that creates the server bean.
 */
@FunctionalInterface
public interface PushServerBuilderCustomizer {
    /**
     * Adjusts the builder.
     *
     * @param builder the builder, with the properties and beans applied and the source set
     */
    void customize(PushServerBuilder builder);
}
