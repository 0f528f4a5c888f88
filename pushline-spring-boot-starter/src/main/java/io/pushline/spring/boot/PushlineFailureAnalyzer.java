package io.pushline.spring.boot;

import io.pushline.PushlineException;
import io.pushline.SourceException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains why Pushline stopped the application from starting, in Boot's "Application failed to start" report
 * instead of a stack trace: a property value it cannot use, a message source that cannot reach its broker, or a
 * port it cannot bind. Registered in {@code META-INF/spring.factories}; Boot calls it, not the application.
 */
public final class PushlineFailureAnalyzer implements FailureAnalyzer {
    /** Created by Boot. */
    public PushlineFailureAnalyzer() {
    }

    /**
     * Finds a Pushline cause in the failure's chain and describes it.
     *
     * @param failure why the application did not start
     * @return the description and the action to take; null when Pushline did not cause the failure
     */
    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PushlinePropertyException) {
                return new FailureAnalysis(t.getMessage(),
                        "Correct the property in your application's configuration.", t);
            }
            if (t instanceof SourceException) {
                return new FailureAnalysis("Pushline's message source could not start: " + t.getMessage(),
                        "Make sure the broker is reachable with the configured settings (spring.data.redis.* for "
                                + "the Redis source) when the application starts, or set pushline.await-source=false "
                                + "to start anyway (health DOWN) and connect in the background; once started, the "
                                + "source reconnects by itself.", t);
            }
            if (t instanceof PushlineException) {
                return new FailureAnalysis("The Pushline server could not start: " + t.getMessage(),
                        "Check pushline.port and pushline.host: another process may hold the port, and "
                                + "pushline.port=0 picks a free one.", t);
            }
        }
        return null;
    }
}
