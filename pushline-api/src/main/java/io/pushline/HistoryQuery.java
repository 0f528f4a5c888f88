package io.pushline;

/**
 * Which part of a topic's history to read with {@link MessageSource#readHistory(String, HistoryQuery)}: the
 * messages after an offset ({@link #since(long, int)}), or the most recent ones ({@link #latest(int)}).
 *
 * @param after for {@link #since(long, int)} the offset after which to read; -1 for {@link #latest(int)}
 * @param limit the most messages wanted, 0 or more (0 reads the top only)
 */
public record HistoryQuery(long after, int limit) {
    /**
     * Checks the values.
     *
     * @param after the offset after which to read, or -1 for the latest messages
     * @param limit the most messages wanted
     */
    public HistoryQuery {
        if (after < -1) {
            throw new IllegalArgumentException("after: " + after + " (expected: >= -1)");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
    }

    /**
     * The messages after {@code offset}, oldest first, when there are at most {@code limit} of them. When there are
     * more, a source may return none (the reader cannot recover anyway) instead of the first {@code limit}.
     *
     * @param offset the offset of the last message the reader has, 0 or more
     * @param limit the most messages wanted
     * @return the query
     */
    public static HistoryQuery since(long offset, int limit) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        return new HistoryQuery(offset, limit);
    }

    /**
     * The last {@code n} messages (fewer when the history holds fewer), oldest first. {@code latest(0)} reads the
     * topic's top position only.
     *
     * @param n how many
     * @return the query
     */
    public static HistoryQuery latest(int n) {
        return new HistoryQuery(-1, n);
    }

    /**
     * Tells whether this is a {@link #latest(int)} query.
     *
     * @return whether it reads the latest messages
     */
    public boolean isLatest() {
        return after < 0;
    }
}
