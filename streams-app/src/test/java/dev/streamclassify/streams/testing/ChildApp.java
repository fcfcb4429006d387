package dev.streamclassify.streams.testing;

import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link StreamsApp#main} in a child JVM on this test's class path, configured only through {@code CLASSIFY_*}
 * environment variables, so that it can be killed for real. Owned by one test; {@link #close()} kills it if it runs.
 */
public final class ChildApp implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int httpPort;

    private ChildApp(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** Starts the app with {@code settings} (names as in {@link StreamsAppConfig}, {@code kafka.*} included). */
    public static ChildApp start(Map<String, String> settings, Path logFile) {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=4G"));
        String cacheDir = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cacheDir != null) {
            command.add("-Dorg.bytedeco.javacpp.cachedir=" + cacheDir);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamsApp.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith(StreamsAppConfig.ENV_PREFIX));
        settings.forEach((name, value) -> pb.environment().put(envName(name), value));
        pb.environment().put(StreamsAppConfig.envName(StreamsAppConfig.HTTP_PORT), Integer.toString(port));
        try {
            return new ChildApp(pb.start(), logFile, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM", e);
        }
    }

    private static String envName(String setting) {
        if (setting.startsWith(StreamsAppConfig.KAFKA_PREFIX)) {
            return StreamsAppConfig.ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('.', '_');
        }
        return StreamsAppConfig.envName(setting);
    }

    /** Waits until {@code /ready} answers 200, failing early (with the child's log) if the child dies. */
    public ChildApp awaitReady(Duration timeout) {
        Conditions.await("the child app to be ready", timeout, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("child app exited with " + process.exitValue() + ":\n" + logTail());
            }
            return status("/ready") == 200;
        }, this::logTail);
        return this;
    }

    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Sum of the samples of one Prometheus metric on the child's {@code /metrics}, NaN if it cannot be read. */
    public double metric(String prometheusName) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.lines()
                    .filter(l -> l.startsWith(prometheusName + "{") || l.startsWith(prometheusName + " "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** SIGKILL: no shutdown hook, no commit, no flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("child app survived SIGKILL");
        }
    }

    /** Waits for the child to exit on its own. @return the exit code */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child app still runs after " + timeout + ":\n" + logTail());
        }
        return process.exitValue();
    }

    /** SIGTERM, then waits for the clean shutdown. @return the exit code */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child app did not stop within " + timeout + " of SIGTERM:\n" + logTail());
        }
        return process.exitValue();
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
