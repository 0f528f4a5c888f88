package io.pushline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.UrlResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

/** A start that Pushline stops is explained in one description and one action, not a stack trace. */
class PushlineFailureAnalyzerTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PushlineAutoConfiguration.class))
            .withPropertyValues("pushline.port=0", "pushline.host=127.0.0.1");
    private final PushlineFailureAnalyzer analyzer = new PushlineFailureAnalyzer();

    @Test
    void isRegisteredForBoot() throws IOException {
        List<String> registered = new ArrayList<>();
        Enumeration<URL> files = getClass().getClassLoader().getResources("META-INF/spring.factories");
        while (files.hasMoreElements()) {
            Properties factories = PropertiesLoaderUtils.loadProperties(new UrlResource(files.nextElement()));
            String analyzers = factories.getProperty(FailureAnalyzer.class.getName());
            if (analyzers != null) {
                registered.addAll(List.of(analyzers.split("\\s*,\\s*")));
            }
        }
        assertThat(registered).contains(PushlineFailureAnalyzer.class.getName());
    }

    @Test
    void explainsABadProperty() {
        runner.withPropertyValues("pushline.limits.max-queued=0").run(context -> {
            FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).isEqualTo("pushline.limits.max-queued=0B is invalid: "
                    + "maxQueuedBytes: 0 (expected: 1024..2147483647)");
            assertThat(analysis.getAction()).isEqualTo("Correct the property in your application's configuration.");
        });
    }

    @Test
    void explainsAnUnreachableBroker() throws IOException {
        int nobody;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            nobody = probe.getLocalPort();
        }
        runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + nobody,
                "pushline.await-source=true").run(context -> {
                    FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).startsWith("Pushline's message source could not start: ")
                            .contains("127.0.0.1:" + nobody);
                    assertThat(analysis.getAction()).contains("spring.data.redis.*", "pushline.await-source=false");
                });
    }

    @Test
    void explainsAPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            runner.withPropertyValues("pushline.port=" + taken.getLocalPort()).run(context -> {
                FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
                assertThat(analysis.getDescription()).startsWith("The Pushline server could not start: cannot bind")
                        .contains(Integer.toString(taken.getLocalPort()));
                assertThat(analysis.getAction()).contains("pushline.port=0 picks a free one");
            });
        }
    }

    @Test
    void leavesOtherFailuresToBoot() {
        assertThat(analyzer.analyze(new IllegalStateException("not ours"))).isNull();
    }
}
