package io.pushline.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.impl.Headers;
import io.pushline.Position;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reading positions from JetStream's republish headers, which anyone who may publish to a topic could forge. */
class HistoryStreamsTest {
    private static Headers headers(String stream, String subject, String sequence) {
        Headers h = new Headers();
        if (stream != null) {
            h.add("Nats-Stream", stream);
        }
        if (subject != null) {
            h.add("Nats-Subject", subject);
        }
        if (sequence != null) {
            h.add("Nats-Sequence", sequence);
        }
        return h;
    }

    @Test
    void aRepublishedMessageOfTheTopicsStreamHasItsPosition() {
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.eu", "42"),
                "news.eu")).isEqualTo(Position.of(42, "Xk3v9QaZp0Lm"));
    }

    @Test
    void anythingElseHasNone() {
        assertThat(HistoryStreams.position(null, "news.eu")).isNull();
        assertThat(HistoryStreams.position(new Headers(), "news.eu")).isNull();
        assertThat(HistoryStreams.position(headers("OTHER_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.eu", "42"), "news.eu"))
                .as("not a Pushline stream").isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.us", "42"),
                "news.eu")).as("another topic's stream").isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "news.eu", "42"), "news.eu"))
                .as("not the private subject").isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.eu", "4x2"),
                "news.eu")).isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.eu", "0"),
                "news.eu")).as("sequences start at 1").isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_Xk3v9QaZp0Lm", "$PUSHLINE.H.news.eu",
                "99999999999999999999"), "news.eu")).isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_", "$PUSHLINE.H.news.eu", "1"), "news.eu"))
                .as("no epoch").isNull();
        assertThat(HistoryStreams.position(headers("PUSHLINE_bad!epoch", "$PUSHLINE.H.news.eu", "1"), "news.eu"))
                .isNull();
        assertThat(HistoryStreams.position(headers(null, "$PUSHLINE.H.news.eu", "1"), "news.eu")).isNull();
    }

    @Test
    void onlyANoRespondersFailureMeansTheStreamIsMissing() {
        assertThat(HistoryStreams.noResponders(new RuntimeException(new java.io.IOException(
                "Error Publishing: 503 No Responders Available For Request")))).isTrue();
        assertThat(HistoryStreams.noResponders(new java.util.concurrent.TimeoutException("timed out"))).isFalse();
    }

    @Test
    void sweepsRunEveryQuarterOfTheMetaTtlWithinBounds() {
        assertThat(StreamSweeper.interval(Duration.ofDays(1))).isEqualTo(Duration.ofHours(1));
        assertThat(StreamSweeper.interval(Duration.ofMinutes(20))).isEqualTo(Duration.ofMinutes(5));
        assertThat(StreamSweeper.interval(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
    }
}
