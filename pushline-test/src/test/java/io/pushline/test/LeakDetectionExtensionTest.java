package io.pushline.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak detection that guards every test really sees a leaked buffer. */
class LeakDetectionExtensionTest {
    @Test
    void aBufferThatIsNeverReleasedIsReported() {
        leakOneBuffer();
        List<String> reports = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            PooledByteBufAllocator.DEFAULT.directBuffer(1).release(); // leak reports surface on allocation
            reports.addAll(RecordingLeakDetector.drain());
            return !reports.isEmpty();
        });
        // drained here, so this deliberate leak does not fail the test through the extension
        assertThat(reports.get(0)).startsWith("LEAK: ByteBuf.release() was not called")
                .contains("leakOneBuffer");
    }

    /** This build's test JVMs carry both settings: the extension checks every test, it does not stand aside. */
    @Test
    void thisBuildRunsWithLeakChecksOn() {
        assertThat(LeakDetectionExtension.isConfigured()).isTrue();
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        leaked.writeInt(42);
    }
}
