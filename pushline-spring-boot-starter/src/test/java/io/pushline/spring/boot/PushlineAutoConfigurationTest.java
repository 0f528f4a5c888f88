package io.pushline.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.Authentication;
import io.pushline.Authenticator;
import io.pushline.Client;
import io.pushline.ClientFrameHandler;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.PushListener;
import io.pushline.TopicAuthorizer;
import io.pushline.netty.PushServer;
import io.pushline.test.TcpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configured server: properties and beans reach it, and it backs off for a server of the application's. */
class PushlineAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1");

    @Test
    void startsAnInMemoryServerWithTheContextAndPushesToDefaultTopics() {
        runner.withPropertyValues("pushline.default-topics=updates").run(context -> {
            assertThat(context).hasSingleBean(PushServer.class).hasSingleBean(PushServerLifecycle.class)
                    .hasSingleBean(InMemoryMessageSource.class);
            PushServer server = context.getBean(PushServer.class);
            assertThat(context.getBean(PushServerLifecycle.class).isRunning()).isTrue();
            assertThat(server.source()).isSameAs(context.getBean(InMemoryMessageSource.class));
            assertThat(server.localAddress().getAddress().isLoopbackAddress()).isTrue();
            try (TcpTestClient client = new TcpTestClient(server.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.topics().contains("updates"));
                context.getBean(InMemoryMessageSource.class).publish("updates", "hello".getBytes(UTF_8)).join();
                assertThat(client.readLine()).isEqualTo("hello");
            }
        });
    }

    @Test
    void protocolFramingAndAllowPublishReachTheServer() {
        runner.withPropertyValues("pushline.protocol=commands", "pushline.framing=length-prefixed",
                "pushline.allow-publish=true").run(context -> {
                    PushServer server = context.getBean(PushServer.class);
                    try (TcpTestClient client = new TcpTestClient(server.port())) {
                        client.sendFrame("SUB news".getBytes(UTF_8));
                        assertThat(new String(client.readFrame(), UTF_8)).isEqualTo("+OK");
                        client.sendFrame("PUB news hi".getBytes(UTF_8));
                        List<String> frames = List.of(new String(client.readFrame(), UTF_8),
                                new String(client.readFrame(), UTF_8));
                        // the push may come before or after the PUB's reply
                        assertThat(frames).contains("+OK").anyMatch(f -> f.startsWith("MSG news ")
                                && f.endsWith(" hi"));
                    }
                });
    }

    @Test
    void publishIsForbiddenByDefault() {
        runner.withPropertyValues("pushline.protocol=commands").run(context -> {
            try (TcpTestClient client = new TcpTestClient(context.getBean(PushServer.class).port())) {
                client.send("PUB news hi\r\n");
                assertThat(client.readLine()).isEqualTo("-ERR forbidden");
            }
        });
    }

    @Test
    void usesTheApplicationsMessageSource() {
        runner.withUserConfiguration(SourceConfig.class).run(context -> {
            assertThat(context).hasSingleBean(MessageSource.class).doesNotHaveBean("pushlineMessageSource");
            assertThat(context.getBean(PushServer.class).source()).isSameAs(context.getBean("mySource"));
        });
    }

    @Test
    void usesTheApplicationsAuthenticatorListenerAndFrameHandler() {
        runner.withUserConfiguration(HooksConfig.class).withPropertyValues("pushline.default-topics=updates")
                .run(context -> {
                    HooksConfig hooks = context.getBean(HooksConfig.class);
                    PushServer server = context.getBean(PushServer.class);
                    try (TcpTestClient client = new TcpTestClient(server.port())) {
                        client.send("s3cret\r\n"); // raw: the first frame is the token
                        await().atMost(Duration.ofSeconds(10)).until(() -> !hooks.authenticated.isEmpty());
                        assertThat(hooks.authenticated).singleElement()
                                .extracting(c -> c.principal().orElse(null)).isEqualTo("alice");
                        client.send("hi there\r\n"); // frames sent while the token is checked are dropped
                        await().atMost(Duration.ofSeconds(10)).until(() -> hooks.frames.contains("hi there"));
                    }
                    try (TcpTestClient wrong = new TcpTestClient(server.port())) {
                        wrong.send("guess\r\n");
                        assertThat(wrong.readLine()).isEqualTo("-ERR unauthorized");
                        assertThat(wrong.closedByServer()).isTrue();
                    }
                });
    }

    @Test
    void usesTheApplicationsTopicAuthorizer() {
        runner.withUserConfiguration(AuthorizerConfig.class).withPropertyValues("pushline.protocol=commands")
                .run(context -> {
                    try (TcpTestClient client = new TcpTestClient(context.getBean(PushServer.class).port())) {
                        client.send("SUB secret\r\n");
                        assertThat(client.readLine()).isEqualTo("-ERR forbidden");
                        client.send("SUB news\r\n");
                        assertThat(client.readLine()).isEqualTo("+OK");
                    }
                });
    }

    @Test
    void appliesCustomizersAfterTheProperties() {
        runner.withUserConfiguration(CustomizerConfig.class).withPropertyValues("pushline.default-topics=updates")
                .run(context -> {
                    PushServer server = context.getBean(PushServer.class);
                    try (TcpTestClient client = new TcpTestClient(server.port())) {
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> server.topics().contains("customized"));
                        assertThat(client.socket().isConnected()).isTrue();
                        assertThat(server.topics()).doesNotContain("updates");
                    }
                });
    }

    @Test
    void backsOffForTheApplicationsServer() {
        runner.withUserConfiguration(ServerConfig.class).run(context -> {
            assertThat(context).hasSingleBean(PushServer.class).doesNotHaveBean(PushServerLifecycle.class)
                    .doesNotHaveBean(InMemoryMessageSource.class);
            assertThat(context.getBean(PushServer.class)).isSameAs(context.getBean("myServer"));
        });
    }

    @Test
    void canBeSwitchedOff() {
        runner.withPropertyValues("pushline.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean(PushServer.class).doesNotHaveBean(MessageSource.class)
                        .doesNotHaveBean(PushlineProperties.class));
    }

    @Test
    void aBadValueFailsTheStartNamingTheProperty() {
        runner.withPropertyValues("pushline.port=70000").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining(
                        "PushlinePropertyException: pushline.port=70000 is invalid: port: 70000 (expected: 0..65535)"));
        runner.withPropertyValues("pushline.protocol=commands", "pushline.timeouts.idle=10s").run(context ->
                assertThat(context).hasFailed().getFailure().hasStackTraceContaining("PushlinePropertyException: "
                        + "pushline.timeouts: idleTimeout (PT10S) must exceed heartbeatInterval (PT30S)"));
        runner.withPropertyValues("pushline.default-topics=bad topic").run(context -> assertThat(context)
                .hasFailed().getFailure().hasStackTraceContaining(
                        "PushlinePropertyException: pushline.default-topics=[bad topic] is invalid: "));
    }

    @Configuration(proxyBeanMethods = false)
    static class SourceConfig {
        @Bean
        MessageSource mySource() {
            return InMemoryMessageSource.create();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HooksConfig {
        final List<String> frames = new CopyOnWriteArrayList<>();
        final List<Client> authenticated = new CopyOnWriteArrayList<>();

        @Bean
        Authenticator authenticator() {
            return (client, token) -> CompletableFuture.completedFuture(
                    "s3cret".equals(new String(token, StandardCharsets.UTF_8)) ? Authentication.of("alice") : null);
        }

        @Bean
        PushListener listener() {
            return new PushListener() {
                @Override
                public void clientAuthenticated(Client client, Authentication authentication) {
                    authenticated.add(client);
                }
            };
        }

        @Bean
        ClientFrameHandler frameHandler() {
            return (client, frame) -> frames.add(new String(frame, StandardCharsets.UTF_8));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class AuthorizerConfig {
        @Bean
        TopicAuthorizer authorizer() {
            return (client, principal, name, pattern, action) -> !name.equals("secret");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CustomizerConfig {
        @Bean
        PushServerBuilderCustomizer customizer() {
            return builder -> builder.defaultTopics("customized");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ServerConfig {
        @Bean(destroyMethod = "close")
        PushServer myServer() {
            return PushServer.builder().port(0).build();
        }
    }
}
