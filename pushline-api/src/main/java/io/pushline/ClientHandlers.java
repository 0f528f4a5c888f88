package io.pushline;

/**
 * Built-in {@link ClientFrameHandler}s.
 */
public final class ClientHandlers {
    private static final ClientFrameHandler ECHO = (client, frame) -> client.send(frame);
    private static final ClientFrameHandler IGNORE = (client, frame) -> { };

    private ClientHandlers() {
    }

    /**
     * Sends every frame back to the client that sent it (an echo server).
     *
     * @return the echo handler
     */
    public static ClientFrameHandler echo() {
        return ECHO;
    }

    /**
     * Ignores every frame (the default: clients of a {@code raw} server only listen).
     *
     * @return the ignoring handler
     */
    public static ClientFrameHandler ignore() {
        return IGNORE;
    }
}
