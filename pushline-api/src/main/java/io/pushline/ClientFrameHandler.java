package io.pushline;

/**
 * The inbound-frame hook: what the server does with each frame a client sends (in the {@code raw} protocol).
 * {@link ClientHandlers} has the built-ins.
 *
 * <p><b>Threading.</b> Called on the client connection's I/O thread, one frame at a time and in order for
 * that client. It must be fast and must not block; hand slow work to an executor of your own. If it throws, the
 * exception is logged and the connection is closed.
 */
@FunctionalInterface
public interface ClientFrameHandler {
    /**
     * Handles one frame.
     *
     * @param client the client that sent it
     * @param frame the frame's payload, without its delimiter or length prefix; owned by the handler
     */
    void onFrame(Client client, byte[] frame);
}
