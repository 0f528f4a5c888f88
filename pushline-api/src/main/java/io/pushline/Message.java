package io.pushline;

import io.pushline.internal.Checks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message on a topic: the topic it was published to, its payload bytes and an optional id.
 *
 * <p>Immutable and thread-safe. The payload is copied when the message is created and never exposed for
 * writing: {@link #payload()} returns a copy and {@link #payloadBuffer()} a read-only view, so one message can be
 * handed to any number of clients and threads. Payload bytes are never converted to or from a charset by Pushline.
 *
 * <p>A message on a topic with history has a {@link #position() position}, and its id is the position's wire token.
 * Otherwise the id is whatever the source uses to name a message, or absent (as for Redis Pub/Sub), shown as
 * {@code -} on the wire.
 */
public final class Message {
    private final String topic;
    private final byte[] payload;
    private final String id;
    private final Position position;

    static {
        io.pushline.internal.MessageAccess.install(m -> m.payload);
    }

    private Message(String topic, byte[] payload, String id) {
        this(topic, payload, id, null);
    }

    private Message(String topic, byte[] payload, String id, Position position) {
        this.topic = topic;
        this.payload = payload;
        this.id = id;
        this.position = position;
    }

    /**
     * Creates a message without an id.
     *
     * @param topic the topic; must be a valid topic (see {@link Topics})
     * @param payload the payload bytes; copied
     * @return the message
     * @throws IllegalArgumentException when the topic is not valid
     */
    public static Message of(String topic, byte[] payload) {
        return of(topic, payload, null);
    }

    /**
     * Creates a message with a UTF-8 payload and no id, a convenience for text.
     *
     * @param topic the topic; must be a valid topic (see {@link Topics})
     * @param payload the payload text, encoded as UTF-8
     * @return the message
     * @throws IllegalArgumentException when the topic is not valid
     */
    public static Message of(String topic, String payload) {
        Objects.requireNonNull(payload, "payload");
        return new Message(Topics.validate(topic), payload.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * Creates a message that takes ownership of {@code payload} without copying it: for a source that has just
     * read the bytes into a fresh array. The caller must not change the array afterwards.
     *
     * @param topic a valid topic (see {@link Topics#validate(String)})
     * @param payload the payload, owned by the message from now on
     * @return the message
     * @throws IllegalArgumentException when the topic is invalid
     */
    public static Message wrap(String topic, byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        return new Message(Topics.validate(topic), payload, null);
    }

    /**
     * Creates a message with an id that takes ownership of {@code payload} without copying it: for a source that
     * has just read the bytes into a fresh array. The caller must not change the array afterwards.
     *
     * @param topic a valid topic (see {@link Topics#validate(String)})
     * @param payload the payload, owned by the message from now on
     * @param id the source's id for this message, or {@code null}; when present a valid token (same rules as a topic)
     * @return the message
     * @throws IllegalArgumentException when the topic or the id is invalid
     */
    public static Message wrap(String topic, byte[] payload, String id) {
        Objects.requireNonNull(payload, "payload");
        return new Message(Topics.validate(topic), payload, checkId(id));
    }

    /**
     * Creates a message with a position in its topic's history, taking ownership of {@code payload} without copying
     * it: for a source with history that has just read the bytes into a fresh array. Its {@link #id()} is the
     * position's wire token.
     *
     * @param topic a valid topic (see {@link Topics#validate(String)})
     * @param payload the payload, owned by the message from now on
     * @param position the message's position
     * @return the message
     * @throws IllegalArgumentException when the topic is invalid
     */
    public static Message wrap(String topic, byte[] payload, Position position) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(position, "position");
        return new Message(Topics.validate(topic), payload, position.toString(), position);
    }

    /**
     * Returns a message with the same topic and payload (shared, not copied) and the given position.
     *
     * @param position the position
     * @return the positioned message
     */
    public Message at(Position position) {
        Objects.requireNonNull(position, "position");
        return new Message(topic, payload, position.toString(), position);
    }

    private static String checkId(String id) {
        return id == null ? null : Checks.noProblem(id, "id", Topics.problem(id, "id"));
    }

    /**
     * Creates a message.
     *
     * @param topic the topic; must be a valid topic (see {@link Topics})
     * @param payload the payload bytes; copied
     * @param id the source's id for this message, or {@code null} when the source has none; when present it must
     *     be a valid token (same rules as a topic) so that it can appear on the wire
     * @return the message
     * @throws IllegalArgumentException when the topic or the id is not valid
     */
    public static Message of(String topic, byte[] payload, String id) {
        Objects.requireNonNull(payload, "payload");
        return new Message(Topics.validate(topic), payload.clone(), checkId(id));
    }

    /**
     * Returns the topic (the concrete channel, also for messages received through a pattern).
     *
     * @return the topic
     */
    public String topic() {
        return topic;
    }

    /**
     * Returns a copy of the payload.
     *
     * @return a new array holding the payload bytes
     */
    public byte[] payload() {
        return payload.clone();
    }

    /**
     * Returns a read-only view of the payload, without copying it. Each call returns a new buffer whose
     * position is 0 and whose limit is the payload length.
     *
     * @return a read-only buffer over the payload
     */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /**
     * Returns the payload length in bytes.
     *
     * @return the payload length
     */
    public int payloadLength() {
        return payload.length;
    }

    /**
     * Tells whether the payload contains a byte {@code b}, without copying it.
     *
     * @param b the byte to look for
     * @return whether the payload contains it
     */
    public boolean payloadContains(byte b) {
        for (byte x : payload) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    /** Whether the payload holds a CR or LF byte (which line framing cannot carry). */
    boolean payloadHasLineBreak() {
        return io.pushline.internal.Bytes.containsLineBreak(payload);
    }

    /**
     * Returns the source's id for this message.
     *
     * @return the id, or {@code null} when the source gave none
     */
    public String id() {
        return id;
    }

    /**
     * Returns the message's position in its topic's history.
     *
     * @return the position, or {@code null} when the message has none (its topic has no history, or it was
     *     published around the history)
     */
    public Position position() {
        return position;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Message)) {
            return false;
        }
        Message m = (Message) o;
        return topic.equals(m.topic) && Arrays.equals(payload, m.payload) && Objects.equals(id, m.id);
    }

    @Override
    public int hashCode() {
        return (topic.hashCode() * 31 + Arrays.hashCode(payload)) * 31 + Objects.hashCode(id);
    }

    /** Returns a short description: topic, id and payload length (never the payload itself). */
    @Override
    public String toString() {
        return "Message[topic=" + topic + ", id=" + (id == null ? "-" : id) + ", " + payload.length + " bytes]";
    }
}
