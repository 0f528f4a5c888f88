package io.pushline;

import java.util.List;
import java.util.Objects;

/**
 * What a history read found, read atomically: the topic's {@link #top() top} (the position of its last message,
 * or offset 0 when nothing was published in this epoch) and the messages asked for, oldest first, each with its
 * {@link Message#position() position} in the top's epoch.
 *
 * @param top the topic's top position at the time of the read
 * @param messages the messages read, oldest first, none after {@code top}
 */
public record HistoryRead(Position top, List<Message> messages) {
    /**
     * Checks and copies.
     *
     * @param top the top position
     * @param messages the messages
     */
    public HistoryRead {
        Objects.requireNonNull(top, "top");
        messages = List.copyOf(messages);
    }

    /**
     * Tells whether these messages are exactly every message after {@code from} up to the top, with no gap: what a
     * reader that has everything up to {@code from} needs to be complete. False when {@code from} is from another
     * epoch, is past the top, or when messages were trimmed, expired or not returned.
     *
     * @param from the position of the last message the reader has
     * @return whether the read recovers everything after {@code from}
     */
    public boolean recoversFrom(Position from) {
        if (!from.sameEpoch(top) || from.offset() > top.offset()) {
            return false;
        }
        long expected = from.offset() + 1;
        int first = firstAfter(from.offset());
        if (messages.size() - first != top.offset() - from.offset()) {
            return false;
        }
        for (int i = first; i < messages.size(); i++) {
            Position p = messages.get(i).position();
            if (p == null || !p.sameEpoch(top) || p.offset() != expected++) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the index of the first message whose offset is greater than {@code offset} ({@code messages().size()}
     * when there is none).
     *
     * @param offset an offset
     * @return the index
     */
    public int firstAfter(long offset) {
        int i = 0;
        while (i < messages.size() && messages.get(i).position().offset() <= offset) {
            i++;
        }
        return i;
    }
}
