package io.pushline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.pushline.HistoryOptions;
import io.pushline.HistoryQuery;
import io.pushline.Message;
import io.pushline.SourceException;
import io.pushline.SourceState;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** What {@link RedisMessageSource} and {@link RedisPublisher} do without a Redis server. */
class RedisMessageSourceTest {
    private static final Duration TIMEOUT = RecordingListener.TIMEOUT;

    @Test
    void toStringNamesTheServerButNeverTheCredentials() {
        try (RedisMessageSource source = RedisMessageSource.create("redis://alice:s3cret@127.0.0.1:6390/2");
                RedisPublisher publisher = RedisPublisher.create("redis://alice:s3cret@127.0.0.1:6390/2")) {
            assertThat(source.toString()).isEqualTo("RedisMessageSource[redis://127.0.0.1:6390/2, DOWN]");
            assertThat(publisher.toString()).isEqualTo("RedisPublisher[redis://127.0.0.1:6390/2]");
        }
        assertThat(Lettuce.describe(RedisURI.create("rediss://:pw@example.com:6380")))
                .isEqualTo("rediss://example.com:6380");
        assertThat(Lettuce.describe(RedisURI.create("redis-socket:///tmp/redis.sock")))
                .isEqualTo("redis-socket:///tmp/redis.sock");
    }

    @Test
    void callsBeforeStartFailWithoutThrowing() {
        try (RedisMessageSource source = RedisMessageSource.create("redis://127.0.0.1:6390")) {
            assertThat(source.state()).isEqualTo(SourceState.DOWN);
            for (CompletableFuture<Void> f : List.of(source.subscribe("t"), source.unsubscribe("t"),
                    source.psubscribe("t.*"), source.punsubscribe("t.*"), source.publish(Message.of("t", "x")))) {
                assertThat(f).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(IllegalStateException.class).withMessageContaining("not started");
            }
        }
    }

    @Test
    void callsAfterCloseFailWithSourceException() {
        RedisMessageSource source = RedisMessageSource.create("redis://127.0.0.1:6390");
        source.close();
        source.close();
        for (CompletableFuture<Void> f : List.of(source.subscribe("t"), source.unsubscribe("t"),
                source.psubscribe("t.*"), source.punsubscribe("t.*"), source.publish(Message.of("t", "x")))) {
            assertThat(f).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(SourceException.class).withMessageContaining("closed");
        }
        assertThatThrownBy(() -> source.start(new RecordingListener())).isInstanceOf(IllegalStateException.class);
        assertThat(source.state()).isEqualTo(SourceState.DOWN);
    }

    @Test
    void historyReadsFailBeforeStartAndAfterCloseWithoutThrowing() {
        RedisURI uri = RedisURI.create("redis://127.0.0.1:6390");
        RedisMessageSource source = RedisMessageSource.create(uri, HistoryOptions.defaults());
        try {
            assertThat(source.capabilities().history()).isTrue();
            assertThat(source.hasHistory("t")).isTrue();
            assertThat(source.readHistory("t", HistoryQuery.latest(1))).failsWithin(Duration.ZERO)
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IllegalStateException.class)
                    .withMessageContaining("not started");
        } finally {
            source.close();
        }
        assertThat(source.readHistory("t", HistoryQuery.latest(1))).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class)
                .withMessageContaining("closed");
        assertThatThrownBy(() -> source.readHistory("has space", HistoryQuery.latest(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisMessageSource.create(uri, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RedisPublisher.create(uri, (HistoryOptions) null))
                .isInstanceOf(NullPointerException.class);
        try (RedisPublisher publisher = RedisPublisher.create(uri)) {
            assertThat(publisher.hasHistory("t")).isFalse();
            assertThatThrownBy(() -> publisher.publishWithPosition("t", new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without HistoryOptions");
        }
    }

    @Test
    void startFailsWithSourceExceptionWhenRedisIsUnreachable() throws IOException {
        String uri = "redis://127.0.0.1:" + unusedPort();
        try (RedisMessageSource source = RedisMessageSource.create(uri)) {
            assertThatThrownBy(() -> source.start(new RecordingListener())).isInstanceOf(SourceException.class)
                    .hasMessageContaining(uri);
            assertThat(source.state()).isEqualTo(SourceState.DOWN);
        }
    }

    @Test
    void rejectsInvalidTopicsAndNulls() {
        try (RedisMessageSource source = RedisMessageSource.create("redis://127.0.0.1:6390");
                RedisPublisher publisher = RedisPublisher.create("redis://127.0.0.1:6390")) {
            assertThatThrownBy(() -> source.subscribe("has space")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> source.psubscribe("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> source.unsubscribe(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> source.start(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> publisher.publish("a\nb", "x")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> publisher.publish("t", (byte[]) null)).isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(() -> RedisMessageSource.create((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RedisMessageSource.create("http://nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void publisherFailsWithSourceExceptionWhileUnreachableAndAfterClose() throws IOException {
        RedisPublisher publisher = RedisPublisher.create("redis://127.0.0.1:" + unusedPort());
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThat(publisher.publish("t.unreachable", "x")).failsWithin(TIMEOUT)
                        .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class)
                        .withMessageContaining("t.unreachable");
            }
        } finally {
            publisher.close();
        }
        publisher.close();
        assertThat(publisher.publish("t", "x")).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SourceException.class);
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
