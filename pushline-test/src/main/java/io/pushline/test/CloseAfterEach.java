package io.pushline.test;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test registered, newest first, after each test, even when the test failed:
 *
 * <pre>{@code
 * @RegisterExtension
 * final CloseAfterEach closer = new CloseAfterEach();
 * ...
 * PushServer server = closer.add(PushServer.builder().port(0).build().start());
 * }</pre>
 *
 * <p>Every resource is closed; the first failure is rethrown with the others suppressed.
 */
public final class CloseAfterEach implements AfterEachCallback {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /** Creates the extension. */
    public CloseAfterEach() {
    }

    /**
     * Registers a resource to close after the current test.
     *
     * @param <T> the resource type
     * @param resource the resource
     * @return {@code resource}
     */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = resources.poll();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
