package io.pushline.netty;

import static org.assertj.core.api.Assertions.assertThat;

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
 * ({@code --protocol commands --allow-publish}, in-memory source), so the spec cannot drift from the code.
 */
class ProtocolDocTest {
    private static final Pattern SESSION = Pattern.compile(
            "<!-- session: paste -->\\s*```text\\n(.*?)```.*?<!-- session: expect -->\\s*```text\\n(.*?)```",
            Pattern.DOTALL);

    @Test
    void everySessionInProtocolMdRunsAsWritten() throws IOException {
        String doc = Files.readString(Path.of("../PROTOCOL.md"));
        Matcher m = SESSION.matcher(doc);
        int sessions = 0;
        try (PushServer server = PushServer.builder().host("127.0.0.1").port(0).protocol(Protocol.COMMANDS)
                .allowPublish(true).build().start()) {
            while (m.find()) {
                sessions++;
                List<String> expected = m.group(2).lines().toList();
                try (TcpTestClient client = new TcpTestClient(server.port())) {
                    client.send(m.group(1)); // pasted into nc: lines end in a bare \n
                    List<String> replies = new ArrayList<>();
                    List<String> pushes = new ArrayList<>();
                    for (int i = 0; i < expected.size(); i++) {
                        String line = client.readLine();
                        (line.startsWith("MSG ") ? pushes : replies).add(line);
                    }
                    assertThat(replies).as("replies of session %d", sessions)
                            .containsExactlyElementsOf(expected.stream().filter(l -> !l.startsWith("MSG ")).toList());
                    assertThat(pushes).as("pushes of session %d", sessions)
                            .containsExactlyInAnyOrderElementsOf(
                                    expected.stream().filter(l -> l.startsWith("MSG ")).toList());
                    if (m.group(1).strip().endsWith("QUIT")) {
                        assertThat(client.closedByServer()).isTrue();
                    }
                }
            }
        }
        assertThat(sessions).isEqualTo(4);
    }
}
