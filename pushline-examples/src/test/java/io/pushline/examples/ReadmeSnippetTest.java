package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The README's code snippets are the compiled code of the examples, so the docs cannot drift. */
class ReadmeSnippetTest {
    @ParameterizedTest
    @CsvSource({"RedisToTcpExample, builder", "TickerClientExample, client", "UserTopicsExample, userTopics",
        "ResumeExample, historyServer", "ResumeExample, historyPublisher", "ResumeExample, resumingClient",
        "TestKitSnippetIT, testKit", "NatsToTcpExample, builder", "WebSocketExample, webSocketServer"})
    void readmeShowsTheCompiledSnippet(String example, String tag) throws IOException {
        Path main = Path.of("src/main/java/io/pushline/examples/" + example + ".java");
        String source = Files.readString(Files.exists(main) ? main
                : Path.of("src/test/java/io/pushline/examples/" + example + ".java"));
        int start = source.indexOf("// tag::" + tag + "[]");
        int end = source.indexOf("// end::" + tag + "[]");
        assertThat(start).isPositive();
        assertThat(end).isGreaterThan(start);
        // the lines between the markers, without their common indentation (the last line keeps no newline, so
        // that stripIndent measures only the code lines)
        String snippet = source.substring(source.indexOf('\n', start) + 1, source.lastIndexOf('\n', end))
                .stripIndent() + "\n";
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme).contains(snippet);
    }
}
