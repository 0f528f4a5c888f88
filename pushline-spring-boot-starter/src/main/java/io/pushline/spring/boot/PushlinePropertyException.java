package io.pushline.spring.boot;

/**
 * A {@code pushline.*} or {@code spring.data.redis.*} value the starter cannot use; its message names the property
 * and says what is expected. {@link PushlineFailureAnalyzer} turns it into Boot's "Application failed to start"
 * report.
 */
final class PushlinePropertyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    PushlinePropertyException(String message) {
        super(message);
    }

    PushlinePropertyException(String message, Throwable cause) {
        super(message, cause);
    }
}
