package io.pushline.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.SourceState;
import io.pushline.netty.PushServer;
import io.pushline.redis.RedisMessageSource;
import io.pushline.test.RedisServerExtension;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The source is Redis from Boot's own {@code spring.data.redis.*} settings when they are set, else in-memory. */
class PushlineRedisSourceTest {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @RegisterExtension
    static final RedisServerExtension securedRedis = new RedisServerExtension(
            List.of("--requirepass", "sesame", "--user", "pusher", "on", ">opensesame", "~*", "&*", "+@all"));

    /** Stopped by the test that starts it after the application. */
    @RegisterExtension
    static final RedisServerExtension lateRedis = new RedisServerExtension();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1", "pushline.default-topics=updates");

    @Test
    void springDataRedisHostAndPortMakeARedisSource() {
        runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port())
                .run(context -> {
                    assertThat(context).hasSingleBean(RedisMessageSource.class)
                            .doesNotHaveBean(InMemoryMessageSource.class);
                    assertRelays(context.getBean(PushServer.class), redis, "from redis");
                });
    }

    @Test
    void springDataRedisUrlMakesARedisSource() {
        runner.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:" + redis.port(),
                "pushline.history.enabled=true").run(context -> {
                    RedisMessageSource source = context.getBean(RedisMessageSource.class);
                    assertThat(source.hasHistory("updates")).isTrue();
                    assertRelays(context.getBean(PushServer.class), redis, "from url");
                });
    }

    @Test
    void usernameAndPasswordAreUsed() {
        runner.withPropertyValues("spring.data.redis.port=" + securedRedis.port(),
                "spring.data.redis.host=127.0.0.1", "spring.data.redis.username=pusher",
                "spring.data.redis.password=opensesame").run(context -> {
                    assertThat(context.getBean(PushServer.class).sourceState()).isEqualTo(SourceState.UP);
                    assertRelays(context.getBean(PushServer.class), securedRedis, "authenticated");
                });
        runner.withPropertyValues("spring.data.redis.port=" + securedRedis.port(),
                "spring.data.redis.host=127.0.0.1", "spring.data.redis.password=sesame").run(context ->
                        assertThat(context.getBean(PushServer.class).sourceState()).isEqualTo(SourceState.UP));
    }

    @Test
    void withoutSpringDataRedisSettingsTheSourceIsInMemory() {
        runner.run(context -> assertThat(context).hasSingleBean(InMemoryMessageSource.class)
                .doesNotHaveBean(RedisMessageSource.class));
    }

    @Test
    void pushlineSourceOverridesTheChoice() {
        runner.withPropertyValues("spring.data.redis.port=" + redis.port(), "pushline.source=in-memory")
                .run(context -> assertThat(context).hasSingleBean(InMemoryMessageSource.class)
                        .doesNotHaveBean(RedisMessageSource.class));
        runner.withPropertyValues("pushline.source=redis").withClassLoader(
                new FilteredClassLoader(RedisMessageSource.class)).run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause()
                        .hasMessage("pushline.source=redis needs io.pushline:pushline-redis on the class path"));
    }

    @Test
    void unsupportedRedisSettingsFailTheStartWithoutShowingSecrets() {
        runner.withPropertyValues("spring.data.redis.sentinel.master=mymaster").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause().hasMessageStartingWith(
                        "spring.data.redis.sentinel.master is set, but Pushline's Redis source connects to one "
                                + "standalone Redis server"));
        runner.withPropertyValues("spring.data.redis.url=http://user:topsecret@127.0.0.1").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageStartingWith("spring.data.redis.url: expected redis://")
                        .message().doesNotContain("topsecret"));
    }

    @Test
    void redisUnreachableAtStartFailsTheStartNamingItWhenTheSourceIsAwaited() throws IOException {
        int nobody;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            nobody = probe.getLocalPort(); // closed again: nothing listens there
        }
        runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + nobody,
                "spring.data.redis.connect-timeout=2s", "pushline.await-source=true").run(context ->
                        assertThat(context).hasFailed().getFailure().hasStackTraceContaining("127.0.0.1:" + nobody));
    }

    @Test
    void byDefaultTheApplicationStartsWhileRedisIsDownReportsItAndRelaysOnceRedisIsUp() {
        lateRedis.stop();
        runner.withConfiguration(AutoConfigurations.of(PushlineHealthAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + lateRedis.port())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PushServer server = context.getBean(PushServer.class);
                    HealthIndicator health = context.getBean("pushlineHealthIndicator", HealthIndicator.class);
                    try (TcpTestClient client = new TcpTestClient(server.port())) {
                        await().until(() -> server.connectionCount() == 1);
                        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
                        assertThat(health.health().getDetails()).containsEntry("source", "DOWN");
                        lateRedis.start();
                        await().atMost(Duration.ofSeconds(20)).until(() -> server.isSubscribed("updates"));
                        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                        lateRedis.publish("updates", "after all".getBytes(UTF_8));
                        assertThat(client.readLine()).isEqualTo("after all");
                    }
                });
    }

    @Test
    void theApplicationsSourceWinsOverSpringDataRedis() {
        runner.withPropertyValues("spring.data.redis.port=" + redis.port())
                .withBean("mySource", MessageSource.class, InMemoryMessageSource::create)
                .run(context -> assertThat(context).hasSingleBean(MessageSource.class)
                        .doesNotHaveBean(RedisMessageSource.class));
    }

    private static void assertRelays(PushServer server, RedisServerExtension redis, String text) {
        try (TcpTestClient client = new TcpTestClient(server.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.channels().contains("updates"));
            redis.publish("updates", text.getBytes(UTF_8));
            assertThat(client.readLine()).isEqualTo(text);
        }
    }
}
