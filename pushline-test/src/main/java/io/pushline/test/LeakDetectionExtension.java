package io.pushline.test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reported a leaked buffer during it (or, for leaks found late, at the end of its class).
 * Registered for every test by JUnit's extension auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}), or with {@code @ExtendWith}.
 *
 * <p>It checks only when the test JVM runs with both
 * {@code -Dio.netty.customResourceLeakDetector=io.pushline.test.RecordingLeakDetector} and
 * {@code -Dio.netty.leakDetection.level=paranoid} (Netty reads them once, when it starts). Without them it says so
 * once, on the {@code System.Logger} at WARNING, and checks nothing; it never fails a test for being unconfigured,
 * so that a project that only wants the test kit's other parts is not broken by its auto-detection.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** The system property that installs {@link RecordingLeakDetector}. */
    public static final String DETECTOR_PROPERTY = "io.netty.customResourceLeakDetector";
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** Creates the extension (JUnit does this). */
    public LeakDetectionExtension() {
    }

    /**
     * Tells whether this JVM records leaks: the detector is installed and the level is paranoid.
     *
     * @return whether the extension checks anything
     */
    public static boolean isConfigured() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty(DETECTOR_PROPERTY))
                && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!isConfigured() && WARNED.compareAndSet(false, true)) {
            System.getLogger(LeakDetectionExtension.class.getName()).log(System.Logger.Level.WARNING,
                    "Netty leak checks are off in this test run: add -D" + DETECTOR_PROPERTY + "="
                            + RecordingLeakDetector.class.getName() + " -Dio.netty.leakDetection.level=paranoid "
                            + "to the test JVM's arguments to make a leaked buffer fail its test");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (isConfigured()) {
            check(context.getDisplayName());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (isConfigured()) {
            check(context.getDisplayName() + " (after all tests)");
        }
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
