package io.pushline;

/**
 * A {@link MessageSource} could not do what was asked: the broker refused a subscription, could not be reached,
 * or the source is closed.
 */
public class SourceException extends PushlineException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what went wrong
     */
    public SourceException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what went wrong
     * @param cause the underlying cause, for example the broker client's exception
     */
    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
