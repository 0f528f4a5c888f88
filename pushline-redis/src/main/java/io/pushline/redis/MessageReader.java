package io.pushline.redis;

import io.netty.buffer.ByteBuf;
import io.pushline.Message;
import java.util.function.Predicate;

/**
 * Turns a pushed {@code message}, {@code smessage} or {@code pmessage} into a {@link Message} for the
 * {@link PubSubEvents}: the channel name decoded once while consecutive messages name the same channel, the history
 * {@link Envelope} stripped. One per connection handler, on its I/O thread.
 */
final class MessageReader {
    private final PubSubEvents events;
    private final Predicate<String> hasHistory;
    private byte[] lastChannelBytes = new byte[0];
    private String lastChannel = "";

    MessageReader(PubSubEvents events, Predicate<String> hasHistory) {
        this.events = events;
        this.hasHistory = hasHistory;
    }

    /**
     * Delivers the message in {@code value}: its channel at element {@code channelIndex}, its payload right after.
     *
     * @param pattern the pattern that matched, for a {@code pmessage}; null otherwise
     */
    void deliver(ByteBuf in, RespValue value, String pattern, int channelIndex) {
        String topic = channel(in, value, channelIndex);
        if (topic == null) {
            events.invalidChannel(value.element(in, channelIndex), "not valid UTF-8");
            return;
        }
        Message message;
        try {
            message = Envelope.read(topic, in, value.elementStart[channelIndex + 1],
                    Math.max(value.elementLength[channelIndex + 1], 0), hasHistory);
        } catch (IllegalArgumentException e) {
            events.invalidChannel(topic, e.getMessage());
            return;
        }
        events.message(pattern, message);
    }

    /**
     * The channel name, decoded once while consecutive messages name the same channel; null when it is not valid
     * UTF-8 (topics are text: such a channel is refused, never delivered with replacement characters).
     */
    private String channel(ByteBuf in, RespValue value, int i) {
        if (!value.elementIs(in, i, lastChannelBytes)) {
            lastChannelBytes = value.elementBytes(in, i);
            lastChannel = Resp.strictUtf8(lastChannelBytes);
        }
        return lastChannel;
    }
}
