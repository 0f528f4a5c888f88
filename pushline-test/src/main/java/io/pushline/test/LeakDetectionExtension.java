package io.pushline.test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reported a leaked buffer during it (or, for leaks found late, at the end of its class).
 * Registered for every test by JUnit's extension auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}); it refuses to run unless paranoid leak
 * detection and {@link RecordingLeakDetector} are configured, so that it never silently checks nothing.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** The system property that installs {@link RecordingLeakDetector}. */
    public static final String DETECTOR_PROPERTY = "io.netty.customResourceLeakDetector";

    /** Creates the extension (JUnit does this). */
    public LeakDetectionExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!RecordingLeakDetector.class.getName().equals(System.getProperty(DETECTOR_PROPERTY))) {
            throw new IllegalStateException("leak detection is not configured: run tests with -D" + DETECTOR_PROPERTY
                    + "=" + RecordingLeakDetector.class.getName() + " -Dio.netty.leakDetection.level=paranoid");
        }
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("leak detection level is " + ResourceLeakDetector.getLevel()
                    + ": run tests with -Dio.netty.leakDetection.level=paranoid");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context.getDisplayName() + " (after all tests)");
    }

    private static void check(String where) {
        collectGarbageAndPollLeaks();
        List<String> leaks = RecordingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak report(s) in " + where + ":\n"
                    + String.join("\n\n", leaks));
        }
    }

    /** Leaks are found when a tracked object is garbage-collected and then noticed on the next allocation. */
    private static void collectGarbageAndPollLeaks() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(1);
            pooled.release();
            ByteBuf heap = UnpooledByteBufAllocator.DEFAULT.heapBuffer(1);
            heap.release();
        }
    }
}
