package io.pushline;

/**
 * The root of Pushline's exceptions. All of them are unchecked.
 */
public class PushlineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what went wrong
     */
    public PushlineException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what went wrong
     * @param cause the underlying cause
     */
    public PushlineException(String message, Throwable cause) {
        super(message, cause);
    }
}
