package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.test.TcpTestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Replays every {@code nc} session of {@code PROTOCOL.md} against a server configured as the document says
 * ({@code --protocol commands --allow-publish}, in-memory source; with {@code --history} for the sessions marked
 * so), so the spec cannot drift from the code. {@code <epoch>} in a session stands for the epoch the server gave:
 * learned from the first reply that shows one, then substituted.
 */
class ProtocolDocTest {
    private static final Pattern SESSION = Pattern.compile(
            "<!-- session: paste( \\(history\\))? -->\\s*```text\\n(.*?)```.*?<!-- session: expect -->\\s*```text\\n"
                    + "(.*?)```",
            Pattern.DOTALL);
    /** A position as the in-memory source writes it: an offset and a 12-character epoch. */
    private static final Pattern POSITION = Pattern.compile("\\b(\\d+)\\.([A-Za-z0-9]{12})\\b");

    private String epoch;

    @Test
    void everySessionInProtocolMdRunsAsWritten() throws IOException {
        String doc = Files.readString(Path.of("../PROTOCOL.md"));
        Matcher m = SESSION.matcher(doc);
        int sessions = 0;
        try (PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .allowPublish(true).build().start();
                PushServer history = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                        .allowPublish(true).source(InMemoryMessageSource.withHistory(HistoryOptions.defaults()))
                        .build().start()) {
            while (m.find()) {
                sessions++;
                List<String> expected = m.group(3).lines().toList();
                int port = m.group(1) != null ? history.port() : server.port();
                try (TcpTestClient client = new TcpTestClient(port)) {
                    String paste = m.group(2);
                    if (paste.contains("<epoch>")) {
                        assertThat(epoch).as("an epoch learned before session %d", sessions).isNotNull();
                        paste = paste.replace("<epoch>", epoch);
                    }
                    client.send(paste); // pasted into nc: lines end in a bare \n
                    List<String> replies = new ArrayList<>();
                    List<String> pushes = new ArrayList<>();
                    for (int i = 0; i < expected.size(); i++) {
                        String line = withEpochPlaceholder(client.readLine());
                        (line.startsWith("MSG ") ? pushes : replies).add(line);
                    }
                    assertThat(replies).as("replies of session %d", sessions)
                            .containsExactlyElementsOf(expected.stream().filter(l -> !l.startsWith("MSG ")).toList());
                    assertThat(pushes).as("pushes of session %d", sessions)
                            .containsExactlyInAnyOrderElementsOf(
                                    expected.stream().filter(l -> l.startsWith("MSG ")).toList());
                    if (m.group(2).strip().endsWith("QUIT")) {
                        assertThat(client.closedByServer()).isTrue();
                    }
                }
            }
        }
        assertThat(sessions).isEqualTo(7);
    }

    /** Replaces the server's epoch in a line by {@code <epoch>}, learning it the first time. */
    private String withEpochPlaceholder(String line) {
        Matcher p = POSITION.matcher(line);
        StringBuilder out = new StringBuilder();
        while (p.find()) {
            if (epoch == null) {
                epoch = p.group(2);
            }
            assertThat(p.group(2)).as("one epoch per topic in these sessions").isEqualTo(epoch);
            p.appendReplacement(out, p.group(1) + ".<epoch>");
        }
        p.appendTail(out);
        return out.toString();
    }
}
