package io.pushline;

/**
 * How a client's resume ({@code SUB <topic> FROM <position>}) ended, as counted in {@link HistoryMetrics}.
 */
public enum ResumeOutcome {
    /** Every missed message was replayed: {@code RECOVERED}. */
    RECOVERED,
    /** The position was malformed, or from an epoch the topic no longer has (its history was lost): {@code LOST}. */
    LOST_EPOCH,
    /** The history no longer reaches back to the position (trimmed or expired): {@code LOST}. */
    LOST_TRIMMED,
    /** More was missed than one replay may carry (the server's replay limits): {@code LOST}. */
    LOST_TOO_FAR,
    /** Live messages held while the history was read passed the client's outbound bound: {@code LOST}. */
    LOST_OVERFLOW
}
