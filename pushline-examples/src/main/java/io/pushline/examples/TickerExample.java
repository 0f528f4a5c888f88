package io.pushline.examples;

import io.pushline.InMemoryMessageSource;
import io.pushline.Protocol;
import io.pushline.netty.PushServer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A stock ticker with per-client subscriptions: {@code SUB stock.ACME} or {@code PSUB stock.*} (commands protocol). */
public final class TickerExample {
    private static final String[] SYMBOLS = {"ACME", "INIT", "GLOBEX"};

    private TickerExample() {
    }

    /**
     * Starts the server and its ticker.
     *
     * @param port the port, 0 for any free one
     * @param ticker runs the price updates; shut it down to stop them
     * @return the started server
     */
    public static PushServer start(int port, ScheduledExecutorService ticker) {
        InMemoryMessageSource prices = InMemoryMessageSource.create();
        PushServer server = PushServer.builder().port(port).source(prices).protocol(Protocol.COMMANDS).build()
                .start();
        Random random = new Random();
        double[] price = {100, 50, 20};
        ticker.scheduleAtFixedRate(() -> {
            int i = random.nextInt(SYMBOLS.length);
            price[i] *= 1 + random.nextGaussian() / 100;
            String text = String.format(Locale.ROOT, "%.2f", price[i]);
            prices.publish("stock." + SYMBOLS[i], text.getBytes(StandardCharsets.UTF_8));
        }, 0, 100, TimeUnit.MILLISECONDS);
        return server;
    }

    /**
     * Runs the ticker on port 5567 (or the first argument) until the process is stopped.
     *
     * @param args optional port
     * @throws InterruptedException when interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (PushServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 5567, ticker)) {
            System.out.println("nc localhost " + server.port() + ", then type: SUB stock.ACME  or  PSUB stock.*");
            Examples.runUntilStopped(server); // SIGTERM or Ctrl-C: drains and closes the clients
        } finally {
            ticker.shutdownNow();
        }
    }
}
