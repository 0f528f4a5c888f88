package io.pushline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BOM pins every module a host application can depend on, and none it cannot. */
class BomTest {
    @Test
    void listsEveryDeployableModule() throws IOException {
        List<String> modules = all(Files.readString(Path.of("../pom.xml")), "<module>([^<]+)</module>");
        List<String> pinned = all(Files.readString(Path.of("../pushline-bom/pom.xml")),
                "<artifactId>(pushline-[^<]+)</artifactId>");
        List<String> deployable = new ArrayList<>(modules);
        deployable.removeAll(List.of("pushline-bom", "pushline-examples", "pushline-examples-boot", "pushline-bench"));
        pinned.remove("pushline-bom");
        assertThat(pinned).containsExactlyInAnyOrderElementsOf(deployable);
    }

    private static List<String> all(String text, String regex) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
