package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The "done when": a host application made from the README's snippets alone (the BOM and dependencies with
 * an SLF4J provider, the native transport, the test kit's dependency; the relay and the test-kit test) compiles,
 * runs and tests, with one Netty version on its class path. The project is written to {@code target/host-app} with
 * no parent, so that nothing of this build's dependency management helps it, and built by a nested Maven, offline:
 * this build's freshly packaged Pushline artifacts are laid out in a private local repository there (nothing is
 * installed into the user's), chained to the user's local repository, read only, for everything else (online when
 * this build is, downloading into the private repository only).
 */
class HostAppIT {
    private static final String VERSION = "0.1.0-SNAPSHOT";
    /** The artifacts a host of the README's snippets resolves, directly or through Pushline's own poms. */
    private static final List<String> MODULES = List.of("pushline-api", "pushline-netty", "pushline-redis",
            "pushline-test");
    private static final Pattern BLOCK = Pattern.compile("```(xml|java)\\n(.*?)```", Pattern.DOTALL);

    @Test
    void aHostAppFromTheReadmeSnippetsCompilesRunsAndTestsOnOneNettyVersion() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        Path app = Path.of("target", "host-app").toAbsolutePath();
        deleteTree(app);
        Path repo = app.resolve("repo");
        layOutReactorArtifacts(repo);

        Files.createDirectories(app.resolve(".mvn")); // the host project is a root of its own, not part of this one
        Files.writeString(app.resolve("pom.xml"), pom(readme));
        Path main = Files.createDirectories(app.resolve("src/main/java/com/example/host"));
        Files.writeString(main.resolve("RedisToTcpExample.java"), relay(readme));
        Path test = Files.createDirectories(app.resolve("src/test/java/com/example/host"));
        Files.writeString(test.resolve("HostAppTest.java"), hostTest(readme));

        Path log = app.resolve("build.log");
        List<String> command = new ArrayList<>(List.of(Path.of("..", "mvnw").toAbsolutePath().toString(), "-B",
                "-Dmaven.repo.local=" + repo, "-Dmaven.repo.local.tail=" + userRepository(), "test"));
        if (!System.getProperty("pushline.maven.offline", "offline=true").equals("offline=false")) {
            command.add("-o"); // as offline as this build: whatever it downloads stays in target/host-app/repo
        }
        Process maven = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!maven.waitFor(5, TimeUnit.MINUTES)) {
            maven.destroyForcibly();
            throw new AssertionError("the host app's build did not end within 5 minutes; see " + log);
        }
        String output = Files.readString(log);
        assertThat(maven.exitValue()).as("the host app's build (%s):%n%s", log, tail(output)).isZero();
        assertThat(output).contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0")
                .contains("push server listening on") // Pushline's INFO line, through the README's provider
                .doesNotContain("No SLF4J providers were found");

        String classPath = Files.readString(app.resolve("target/classpath.txt"));
        Set<String> netty = new TreeSet<>();
        Matcher m = Pattern.compile("io[/\\\\]netty[/\\\\]([^/\\\\]+)[/\\\\]([^/\\\\]+)[/\\\\]").matcher(classPath);
        while (m.find()) {
            netty.add(m.group(2));
        }
        String build = Files.readString(Path.of("../pom.xml"));
        assertThat(netty).as("Netty versions on the host's test class path: %s", classPath)
                .containsExactly(property(build, "netty.version"));
        // Lettuce declares an older Reactor; pushline-redis names the build's, which wins
        assertThat(classPath).contains("reactor-core-" + property(build, "reactor.version") + ".jar")
                .contains("netty-transport-native-epoll", "lettuce-core", "slf4j-simple", "pushline-test-" + VERSION);
    }

    /** The README's dependency snippets in a project of their own, plus the build plugins any host names. */
    private static String pom(String readme) {
        String host = block(readme, "xml", "<artifactId>pushline-bom</artifactId>");
        String nativeTransport = block(readme, "xml", "<artifactId>netty-transport-native-epoll</artifactId>");
        String testKit = block(readme, "xml", "<artifactId>pushline-test</artifactId>");
        int end = host.lastIndexOf("</dependencies>");
        assertThat(end).as("the README's host dependencies end with </dependencies>").isPositive();
        String dependencies = host.substring(0, end) + nativeTransport + testKit + host.substring(end);
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>host-app</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                """ + dependencies + """
                  <build>
                    <plugins>
                      <plugin>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.5.0</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.16.0</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <version>3.6.1</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <version>3.9.0</version>
                        <executions>
                          <execution>
                            <phase>generate-test-resources</phase>
                            <goals><goal>build-classpath</goal></goals>
                            <configuration><outputFile>target/classpath.txt</outputFile></configuration>
                          </execution>
                        </executions>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """;
    }

    /**
     * The README's relay snippet as the body of the {@code start} method the test-kit snippet calls, and its
     * snippet of a server that does not wait for its broker as the body of another (compiled only).
     */
    private static String relay(String readme) {
        String builder = block(readme, "java", "MessageSource redis = RedisMessageSource.create(redisUri);");
        String serveFirst = block(readme, "java", ".awaitSource(false)");
        return """
                package com.example.host;

                import io.pushline.ClientHandlers;
                import io.pushline.Framing;
                import io.pushline.MessageSource;
                import io.pushline.netty.PushServer;
                import io.pushline.redis.RedisMessageSource;

                public final class RedisToTcpExample {
                    private RedisToTcpExample() {
                    }

                    public static PushServer start(String redisUri, int port) {
                """ + indent(builder, 8) + """
                        return server;
                    }

                    public static PushServer serveFirst(String redisUri) {
                """ + indent(serveFirst, 8) + """
                        return server;
                    }
                }
                """;
    }

    /** The README's test-kit snippet as a test class. */
    private static String hostTest(String readme) {
        String test = block(readme, "java", "static final RedisServerExtension redis");
        return """
                package com.example.host;

                import static org.assertj.core.api.Assertions.assertThat;
                import static org.awaitility.Awaitility.await;

                import io.pushline.netty.PushServer;
                import io.pushline.test.RedisServerExtension;
                import io.pushline.test.TcpTestClient;
                import java.nio.charset.StandardCharsets;
                import org.junit.jupiter.api.Test;
                import org.junit.jupiter.api.extension.RegisterExtension;

                class HostAppTest {
                """ + indent(test, 4) + """
                }
                """;
    }

    /** A property of this build's root pom. */
    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("<%s> in the root pom", name).isTrue();
        return m.group(1);
    }

    /** The one README code block of {@code language} that holds {@code marker}. */
    private static String block(String readme, String language, String marker) {
        List<String> found = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).equals(language) && m.group(2).contains(marker)) {
                found.add(m.group(2));
            }
        }
        assertThat(found).as("README %s blocks holding %s", language, marker).hasSize(1);
        return found.get(0);
    }

    private static String indent(String code, int spaces) {
        String pad = " ".repeat(spaces);
        return code.lines().map(l -> l.isEmpty() ? l : pad + l).collect(Collectors.joining("\n", "", "\n"));
    }

    /**
     * Lays the reactor's parent, BOM and the host's modules out in {@code repo} as an install would, from their
     * {@code pom.xml} and freshly packaged jar.
     */
    private static void layOutReactorArtifacts(Path repo) throws IOException {
        put(repo, "pushline-parent", Path.of("../pom.xml"), null);
        put(repo, "pushline-bom", Path.of("../pushline-bom/pom.xml"), null);
        for (String module : MODULES) {
            Path jar = Path.of("..", module, "target", module + "-" + VERSION + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run the reactor's package "
                        + "phase first (./mvnw -B verify builds it before this test)");
            }
            put(repo, module, Path.of("..", module, "pom.xml"), jar);
        }
    }

    private static void put(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/pushline").resolve(artifact).resolve(VERSION));
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The local repository of the build that runs this test: read only, chained after the private one. */
    private static String userRepository() {
        String configured = System.getProperty("pushline.maven.repo");
        return configured != null && !configured.isBlank() ? configured
                : System.getProperty("user.home") + File.separator + ".m2" + File.separator + "repository";
    }

    private static String tail(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
