package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.netty.PushServer;
import io.pushline.test.TcpTestClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** Each ticker client gets only the symbols it subscribed to. */
class TickerExampleTest {
    @Test
    void clientsGetOnlyTheirSymbols() {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (PushServer server = TickerExample.start(0, ticker);
                TcpTestClient acme = new TcpTestClient(server.port());
                TcpTestClient all = new TcpTestClient(server.port())) {
            acme.send("SUB stock.ACME\r\n");
            all.send("PSUB stock.*\r\n");
            assertThat(acme.readLine()).isEqualTo("+OK");
            assertThat(all.readLine()).isEqualTo("+OK");
            for (int i = 0; i < 3; i++) {
                assertThat(acme.readLine()).matches("MSG stock\\.ACME - \\d+\\.\\d\\d");
                assertThat(all.readLine()).matches("MSG stock\\.(ACME|INIT|GLOBEX) - \\d+\\.\\d\\d");
            }
        } finally {
            ticker.shutdownNow();
        }
    }
}
