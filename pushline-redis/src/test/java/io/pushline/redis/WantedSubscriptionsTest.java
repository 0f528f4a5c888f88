package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushline.SourceException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What the subscriber holds across reconnects, and the futures waiting for Redis. */
class WantedSubscriptionsTest {
    @Test
    void aNewConnectionSubscribesWhatIsWantedAndSettlesWhatItMakesMoot() {
        WantedSubscriptions wanted = new WantedSubscriptions();
        CompletableFuture<Void> kept = wanted.change("subscribe", "a");
        CompletableFuture<Void> dropped = wanted.change("subscribe", "b");
        CompletableFuture<Void> gone = wanted.change("unsubscribe", "b");
        CompletableFuture<Void> pattern = wanted.change("psubscribe", "p.*");
        WantedSubscriptions.Snapshot snapshot = wanted.forNewConnection();
        assertThat(snapshot.channels()).containsExactly("a");
        assertThat(snapshot.patterns()).containsExactly("p.*");
        assertThat(dropped).as("no longer wanted").isCompleted();
        assertThat(gone).as("a new connection holds nothing").isCompleted();
        assertThat(kept).as("waits for Redis").isNotDone();
        assertThat(pattern).isNotDone();
        wanted.complete("subscribe a", null);
        assertThat(kept).isCompleted();
    }

    @Test
    void aRefusedSubscriptionIsForgottenAndClosingFailsTheRest() {
        WantedSubscriptions wanted = new WantedSubscriptions();
        CompletableFuture<Void> refused = wanted.change("subscribe", "secret");
        CompletableFuture<Void> waiting = wanted.change("subscribe", "news");
        wanted.complete("subscribe secret", new SourceException("NOPERM"));
        assertThat(refused).isCompletedExceptionally();
        assertThat(wanted.forNewConnection().channels()).containsExactly("news");
        assertThat(wanted.close()).isTrue();
        assertThat(wanted.close()).isFalse();
        assertThat(waiting).isCompletedExceptionally();
        assertThat(wanted.change("subscribe", "later")).isCompletedExceptionally();
    }
}
