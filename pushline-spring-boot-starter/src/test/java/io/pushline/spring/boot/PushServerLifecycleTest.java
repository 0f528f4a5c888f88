package io.pushline.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;
import io.pushline.netty.PushServer;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;

/** The server starts with the context and closes gracefully with it. */
class PushServerLifecycleTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1", "pushline.default-topics=updates");

    @Test
    void runsInTheWebServersGracefulShutdownPhase() {
        // Boot's WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE (checked against it in pushline-examples-boot)
        assertThat(PushServerLifecycle.PHASE).isEqualTo(SmartLifecycle.DEFAULT_PHASE - 1024);
        runner.run(context -> assertThat(context.getBean(PushServerLifecycle.class).getPhase())
                .isEqualTo(PushServerLifecycle.PHASE));
    }

    @Test
    void closingTheContextClosesTheServerAfterItsClientsGotTheirMessages() {
        runner.run(context -> {
            PushServer server = context.getBean(PushServer.class);
            PushServerLifecycle lifecycle = context.getBean(PushServerLifecycle.class);
            InMemoryMessageSource source = context.getBean(InMemoryMessageSource.class);
            try (TcpTestClient client = new TcpTestClient(server.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.topics().contains("updates"));
                source.publish("updates", "last words".getBytes(UTF_8)).join();
                assertThat(client.readLine()).isEqualTo("last words");

                context.close();

                assertThat(lifecycle.isRunning()).isFalse();
                assertThat(client.closedByServer()).isTrue();
                assertThat(server.closeAsync()).isDone();
            }
        });
    }

    @Test
    void theServerClosesTheSourceTheStarterCreatedButNotTheApplicationsOwn() {
        runner.run(context -> {
            InMemoryMessageSource created = context.getBean(InMemoryMessageSource.class);
            context.getBean(PushServerLifecycle.class).stop();
            assertThat(created.publish("updates", new byte[] {1})).failsWithin(Duration.ofSeconds(5))
                    .withThrowableThat().withMessageContaining("source is closed");
        });
        InMemoryMessageSource own = InMemoryMessageSource.create();
        runner.withBean("ownSource", MessageSource.class, () -> own).run(context -> {
            context.getBean(PushServerLifecycle.class).stop();
            assertThat(own.publish("updates", new byte[] {1})).succeedsWithin(Duration.ofSeconds(5));
        });
        assertThat(own.publish("updates", new byte[] {1})).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().withMessageContaining("source is closed");
    }

    @Test
    void aPortInUseFailsTheStartNamingIt() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            runner.withPropertyValues("pushline.port=" + taken.getLocalPort()).run(context ->
                    assertThat(context).hasFailed().getFailure()
                            .hasStackTraceContaining("pushServerLifecycle")
                            .hasStackTraceContaining(Integer.toString(taken.getLocalPort())));
        }
    }

    @Test
    void aStoppedServerIsNotStartedAgain() {
        runner.run(context -> {
            PushServerLifecycle lifecycle = context.getBean(PushServerLifecycle.class);
            context.stop();
            assertThat(lifecycle.isRunning()).isFalse();
            assertThatThrownBy(lifecycle::start).isInstanceOf(IllegalStateException.class)
                    .hasMessage("a Pushline server cannot be started again once stopped");
        });
    }
}
