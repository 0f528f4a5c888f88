package io.pushline;

import java.util.Map;

/**
 * A server's history counters since it started: reads, resumes and gap repairs. Counters only grow. Immutable.
 *
 * @param reads history reads the server sent to the source
 * @param readsShared reads that were not sent because an identical one was in flight (a reconnect storm shares
 *     one read per topic and range)
 * @param resumes client resumes ({@code SUB ... FROM}) by outcome (every outcome present, zero or more)
 * @param replayedMessages messages written to clients from history ({@code FROM} and {@code LAST})
 * @param gapsRepaired times the server found a gap in a topic's live messages (after a broker reconnection, or
 *     messages the source shed) and filled it from history
 * @param messagesRepaired messages those repairs delivered
 * @param topicsLost times a topic's clients were told {@code MSG $lost}: its history could not fill a gap, or
 *     its epoch changed
 */
public record HistoryMetrics(
        long reads,
        long readsShared,
        Map<ResumeOutcome, Long> resumes,
        long replayedMessages,
        long gapsRepaired,
        long messagesRepaired,
        long topicsLost) {
    /**
     * Creates a snapshot, copying the map.
     *
     * @param reads reads sent
     * @param readsShared reads shared
     * @param resumes resumes by outcome
     * @param replayedMessages messages replayed
     * @param gapsRepaired gaps repaired
     * @param messagesRepaired messages repaired
     * @param topicsLost loss notices
     */
    public HistoryMetrics {
        resumes = Map.copyOf(resumes);
    }

    /**
     * Returns the resumes that did not recover.
     *
     * @return the sum of the {@code LOST_*} outcomes
     */
    public long resumesLost() {
        return resumes.entrySet().stream().filter(e -> e.getKey() != ResumeOutcome.RECOVERED)
                .mapToLong(Map.Entry::getValue).sum();
    }
}
