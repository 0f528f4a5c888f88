package io.pushline.examples;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium driven through Selenium: the Debian {@code chromium} and {@code chromium-driver} packages
 * ({@code /usr/bin/chromium}, {@code /usr/bin/chromedriver}; {@code .ci/run} installs them), so nothing is
 * downloaded. Each instance has a fresh profile directory, deleted on close.
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    Chromium() {
        if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException(BINARY + " and " + DRIVER + " are needed: install them with "
                    + "'apt-get install chromium chromium-driver' (Debian) or run .ci/run");
        }
        System.setProperty("SE_AVOID_STATS", "true");
        try {
            profile = Files.createTempDirectory("pushline-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        // we may run as root: --no-sandbox; the rest keeps a test browser quiet and off the network
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,900", "--user-data-dir=" + profile);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString()))
                .usingAnyFreePort().withSilent(true).build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    /** Opens a page and waits for its load event. */
    void open(String url) {
        driver.get(url);
    }

    /** Runs a script in the page and returns its value (see {@link JavascriptExecutor#executeScript}). */
    Object eval(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /** Runs an asynchronous script: it ends by calling its last argument with the value to return. */
    Object evalAsync(String script, Object... args) {
        return driver.executeAsyncScript(script, args);
    }

    /** Saves a screenshot of the window as a PNG file. */
    void screenshot(Path file) {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the browser profile " + profile, e);
            }
        }
    }
}
