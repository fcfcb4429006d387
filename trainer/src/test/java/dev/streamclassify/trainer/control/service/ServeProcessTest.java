package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.kafka.testkit.Await;
import dev.streamclassify.model.backbone.BackboneDescriptor;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.trainer.cli.TrainerCli;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code trainer serve} as operators run it: a child JVM configured only by {@code TRAINER_*} variables, on the
 * default backbone shipped in the model jar, stopped by SIGTERM.
 */
class ServeProcessTest {

    @TempDir
    Path tmp;

    @Test
    void serveRetrainsOnTheDefaultBackboneAndStopsCleanlyOnSigterm() throws Exception {
        try (ControlFixture kafka = new ControlFixture("serve")) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path log = tmp.resolve("serve.log");
            Process serve = startServe(kafka, port, log);
            try {
                awaitReady(serve, port, log);
                List<LabelledImage> images = TestData.slice(List.of("Sandal", "Shirt"), 0, 10);
                kafka.produceImages(images);
                kafka.send("serve-1", TestData.retrain(kafka.images));

                StatusEvent outcome = kafka.awaitOutcome("serve-1");

                assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
                assertThat(outcome.modelVersion()).isEqualTo(1L);
                assertThat(outcome.metrics().featurized()).isEqualTo(TestData.hashes(images).size());
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("exits within 60 s of SIGTERM").isTrue();
            }
            assertThat(Files.readString(log))
                    .contains("Starting trainer service with backbone " + defaultBackboneName() + " (")
                    .contains("Trainer service stopped");
        }
    }

    private static String defaultBackboneName() throws Exception {
        try (InputStream in = Backbones.class.getResourceAsStream(Backbones.DEFAULT_RESOURCE)) {
            return Json.MAPPER.readValue(in, BackboneDescriptor.class).name();
        }
    }

    private Process startServe(ControlFixture kafka, int port, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Dorg.bytedeco.javacpp.maxbytes=2G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=4G"));
        String javacppCache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (javacppCache != null) {
            command.add("-Dorg.bytedeco.javacpp.cachedir=" + javacppCache);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainerCli.class.getName(), "serve"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith(TrainerServiceConfig.ENV_PREFIX));
        Map<String, Object> settings = kafka.settings(tmp.resolve("cache"));
        settings.put(TrainerServiceConfig.HTTP_PORT, port);
        settings.forEach((name, value) -> pb.environment().put(TrainerServiceConfig.envName(name), String.valueOf(value)));
        return pb.start();
    }

    private static void awaitReady(Process serve, int port, Path log) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(2)).build();
        Await.until("trainer serve to be ready", Duration.ofSeconds(90), left -> {
            if (!serve.isAlive()) {
                throw new AssertionError("trainer serve exited with " + serve.exitValue() + ":\n" + Files.readString(log));
            }
            HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(r.body());
            }
            return r;
        });
    }
}
