package io.pushline.internal;

import io.pushline.Message;
import java.util.function.Function;

/**
 * Lets Pushline's own transports read a {@link Message}'s payload array without the copy or the read-only view
 * the public API hands out (the JDK's "shared secrets" pattern). Not API: the array must never be modified.
 */
public final class MessageAccess {
    private static volatile Function<Message, byte[]> payload;

    private MessageAccess() {
    }

    /**
     * Called once by {@link Message}'s static initializer.
     *
     * @param accessor returns a message's payload array
     */
    public static void install(Function<Message, byte[]> accessor) {
        if (payload != null) {
            throw new IllegalStateException("already installed");
        }
        payload = accessor;
    }

    /**
     * Returns the message's own payload array. Read it; never write it.
     *
     * @param message the message
     * @return its payload array, not a copy
     */
    public static byte[] payloadArray(Message message) {
        // a Message instance exists, so Message's static initializer has run and installed the accessor
        return payload.apply(message);
    }
}
