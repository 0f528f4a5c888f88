package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pushline.ClientHandlers;
import io.pushline.Framing;
import io.pushline.InMemoryMessageSource;
import io.pushline.netty.PushServer;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The console client prints pushes and sends typed lines at the same time, on either framing. */
class ConsoleClientTest {
    @ParameterizedTest
    @EnumSource(Framing.Kind.class)
    void printsPushesAndSendsTypedLines(Framing.Kind kind) throws Exception {
        Framing framing = kind == Framing.Kind.LINES ? Framing.lines() : Framing.lengthPrefixed();
        try (PushServer server = PushServer.builder().port(0).host("127.0.0.1").framing(framing)
                .defaultTopics("updates").onClientFrame(ClientHandlers.echo()).build().start()) {
            PipedOutputStream typing = new PipedOutputStream();
            PipedInputStream console = new PipedInputStream(typing);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return new ConsoleClient("127.0.0.1", server.port(), framing).run(console, out);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await().until(() -> server.topics().contains("updates"));
            ((InMemoryMessageSource) server.source()).publish("updates",
                    "pushed".getBytes(StandardCharsets.UTF_8)).join();
            typing.write("typed\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String s = printed.toString(StandardCharsets.UTF_8);
                return s.contains("pushed\n") && s.contains("typed\n");
            });
            typing.close();
            assertThat(exit).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(0);
        }
    }
}
