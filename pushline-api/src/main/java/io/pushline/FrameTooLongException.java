package io.pushline;

/**
 * A frame is longer than the connection's maximum frame length (see {@link Framing#maxFrameLength()}).
 * On the wire the client gets {@code -ERR frame too long} and the connection is closed.
 */
public class FrameTooLongException extends PushlineException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what was too long, and the limit
     */
    public FrameTooLongException(String message) {
        super(message);
    }
}
