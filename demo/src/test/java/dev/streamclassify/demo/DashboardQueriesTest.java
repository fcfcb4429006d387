package dev.streamclassify.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.topology.TopicSetup;
import dev.streamclassify.trainer.control.service.TrainerService;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboards and alerts, proven on a real Prometheus (Debian package {@code prometheus}) scraping both apps on a
 * real broker: every PromQL expression of the dashboards must return data once images, labels, a retrain, a shadow,
 * a canary and a promotion have gone through; every alert expression must evaluate, watch series that exist, and stay
 * silent on this healthy stack.
 */
class DashboardQueriesTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    /** Series that are absent by design on a healthy stack, and why: queries reading them may return nothing. */
    static final Map<String, String> EMPTY_BY_DESIGN = Map.of(
            "classify_latency_seconds_bucket", "latency publishes client-side percentiles, not histogram buckets (docs/operations.md)",
            "classify_model_rejected_total", "created by the first refused version; none is refused here",
            "classify_produce_errors_total", "created by the first record Kafka refuses; none is refused here");

    @TempDir
    Path dir;

    @Test
    void everyDashboardQueryReturnsDataAndEveryAlertWatchesLiveSeriesWithoutFiring() throws Exception {
        Path prometheusBinary = Path.of("/usr/bin/prometheus");
        assertThat(prometheusBinary).as("apt-get install prometheus (.ci/run installs it)").isExecutable();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             Backbone backbone = Backbones.loadDefault()) {
            Path key = LocalStack.signingKey(dir.resolve("keys"));
            StreamsAppConfig appConfig = StreamsAppConfig.of(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "http.port", "0", "state.dir", dir.resolve("streams").toString(),
                    "models.trusted.keys", "file:" + dir.resolve("keys").resolve("model-signing.pub"),
                    "quality.emit.interval.ms", "200", "kafka.commit.interval.ms", "200"));
            TrainerServiceConfig trainerConfig = TrainerServiceConfig.of(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "http.port", 0, "models.signing.key", "file:" + key,
                    "cache.dir", dir.resolve("features").toString(), "training.epochs", 5));
            TopicSetup.createMissing(appConfig.adminProperties(), TopicSetup.required(appConfig), Duration.ofSeconds(60));
            try (ModelPublisher publisher = new ModelPublisher(broker.bootstrapServers(), appConfig.modelsTopic(),
                    trainerConfig.modelSigner(System.getenv()).orElseThrow())) {
                publisher.publishAndActivate(LocalStack.trainVersion(backbone, dir.resolve("features"), 1, 1).version(), "v1");
                publisher.publish(LocalStack.trainVersion(backbone, dir.resolve("features"), 2, 2).version());
                publisher.publish(LocalStack.trainVersion(backbone, dir.resolve("features"), 3, 3).version());
            }
            try (StreamsApp app = new StreamsApp(appConfig, backbone).start();
                 TrainerService trainer = started(new TrainerService(trainerConfig, backbone));
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                         broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
                 Prometheus prometheus = Prometheus.start(prometheusBinary, dir.resolve("prometheus"), app.httpPort(), trainer.httpPort())) {
                await("v1 serving", () -> app.readiness().ok());

                // a retrain on labelled images (trainer meters), then v2 as shadow and v3 as a 50% canary
                Dataset labelled = FashionMnist.sampleTrain().samplePerClass(6, 4);
                for (var img : labelled.images()) {
                    var r = new ProducerRecord<String, byte[]>(trainerConfig.trainingImagesTopic(), img.contentHash(), ImageEncoder.png(img.image()));
                    r.headers().add("label", img.label().getBytes(StandardCharsets.UTF_8));
                    producer.send(r);
                }
                command(producer, trainerConfig, "retrain-1", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"}}");
                await("the retrain to finish", () -> prometheus.hasData("trainer_training_seconds_count"));
                command(producer, trainerConfig, "shadow-2", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[2]}");
                command(producer, trainerConfig, "canary-3", "{\"command\":\"canary\",\"model\":\"default\",\"version\":3,\"percent\":50}");
                await("shadow and canary in force", () -> prometheus.hasData("classify_shadow_heads == 1")
                        && prometheus.hasData("classify_canary_version == 3"));

                // images (one of them not an image), then their labels
                Dataset test = FashionMnist.sampleTest().samplePerClass(10, 5);
                for (int i = 0; i < test.size(); i++) {
                    producer.send(new ProducerRecord<>(appConfig.imagesTopic(), "img-" + i, ImageEncoder.png(test.images().get(i).image())));
                }
                producer.send(new ProducerRecord<>(appConfig.imagesTopic(), "junk", "not an image".getBytes(StandardCharsets.UTF_8)));
                producer.flush();
                await("every image predicted", () -> prometheus.hasData("classify_images_total{outcome=\"predicted\"} >= " + test.size()));
                for (int i = 0; i < test.size(); i++) {
                    producer.send(new ProducerRecord<>(appConfig.labelsTopic(), "img-" + i,
                            ("{\"label\":\"" + test.images().get(i).label() + "\",\"source\":\"test\"}").getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
                await("live accuracy of three versions", () -> prometheus.count("classify_live_accuracy") == 3);

                // Micrometer's Kafka binder picks up per-partition meters (records lag) on its periodic refresh
                await("the input lag meters", () -> prometheus.hasData(
                        "kafka_consumer_fetch_manager_records_lag{job=\"streams-app\",topic=\"" + appConfig.imagesTopic() + "\"}"),
                        () -> "lag series: " + prometheus.query("count by (topic, client_id) (kafka_consumer_fetch_manager_records_lag)"));

                // a promotion, so that the swap annotation has something to show
                command(producer, trainerConfig, "promote-3", "{\"command\":\"activate\",\"model\":\"default\",\"version\":3}");
                await("the swap to v3 scraped", () -> prometheus.hasData("classify_model_version == 3"));

                Map<String, String> empty = new TreeMap<>();
                for (String expr : dashboardExpressions()) {
                    if (!prometheus.hasData(expr) && EMPTY_BY_DESIGN.keySet().stream().noneMatch(expr::contains)) {
                        empty.put(expr, prometheus.query(expr).toString());
                    }
                }
                assertThat(empty).as("dashboard queries without data").isEmpty();

                Map<String, String> firing = new TreeMap<>();
                Map<String, List<String>> unwatched = new TreeMap<>();
                for (Map.Entry<String, String> alert : alertExpressions().entrySet()) {
                    if (prometheus.hasData(alert.getValue())) {
                        firing.put(alert.getKey(), prometheus.query(alert.getValue()).toString());
                    }
                    for (String metric : metricNames(alert.getValue())) {
                        if (!prometheus.hasData(metric) && !EMPTY_BY_DESIGN.containsKey(metric)) {
                            unwatched.computeIfAbsent(alert.getKey(), k -> new ArrayList<>()).add(metric);
                        }
                    }
                }
                assertThat(firing).as("alerts firing on a healthy stack").isEmpty();
                assertThat(unwatched).as("alerts watching series that do not exist").isEmpty();
            }
        }
    }

    private static TrainerService started(TrainerService trainer) throws Exception {
        trainer.start();
        return trainer;
    }

    private static void command(KafkaProducer<String, byte[]> producer, TrainerServiceConfig config, String id, String json) throws Exception {
        producer.send(new ProducerRecord<>(config.controlTopic(), id, json.getBytes(StandardCharsets.UTF_8))).get();
    }

    /** Every target and annotation expression of the dashboards, Grafana's variables replaced as Grafana would. */
    static List<String> dashboardExpressions() throws Exception {
        List<String> out = new ArrayList<>();
        try (var files = Files.list(ROOT.resolve("deploy/grafana/dashboards"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String job = f.getFileName().toString().replace(".json", "");
                JsonNode d = JSON.readTree(f.toFile());
                for (JsonNode panel : d.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        out.add(grafana(target.path("expr").asText(), job));
                    }
                }
                for (JsonNode a : d.path("annotations").path("list")) {
                    if (a.has("expr")) {
                        out.add(grafana(a.path("expr").asText(), job));
                    }
                }
            }
        }
        return out;
    }

    private static String grafana(String expr, String job) {
        return expr.replace("$__rate_interval", "1m").replace("$__range", "10m").replace("$__interval", "15s")
                .replace("$job", job).replace("$instance", ".*");
    }

    /** alert name -> expression, read from alerts.yml without a YAML library: each expr is inline or a block. */
    static Map<String, String> alertExpressions() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(ROOT.resolve("deploy/prometheus/alerts.yml"));
        String alert = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.startsWith("- alert:")) {
                alert = l.substring("- alert:".length()).strip();
            } else if (alert != null && l.startsWith("expr:")) {
                String inline = l.substring("expr:".length()).strip();
                if (!inline.equals("|")) {
                    out.put(alert, inline);
                    continue;
                }
                int indent = lines.get(i + 1).indexOf(lines.get(i + 1).strip());
                StringBuilder block = new StringBuilder();
                for (int j = i + 1; j < lines.size() && (lines.get(j).isBlank() || lines.get(j).indexOf(lines.get(j).strip()) >= indent); j++) {
                    block.append(lines.get(j).strip()).append(' ');
                }
                out.put(alert, block.toString().strip());
            }
        }
        return out;
    }

    private static final Pattern NAME = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\b");
    private static final List<String> PROMQL_WORDS = List.of("sum", "by", "max", "min", "rate", "increase", "and", "on",
            "or", "unless", "avg", "without", "ignoring", "group_left", "group_right", "bool", "count", "le", "up",
            "min_over_time", "max_over_time", "histogram_quantile", "offset", "job", "instance");

    /** The metric names an expression reads (label lists, matchers and ranges removed first). */
    static List<String> metricNames(String expr) {
        String e = expr.replaceAll("\\b(by|on|without|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\{[^}]*\\}", " ").replaceAll("\\[[^\\]]*\\]", " ").replaceAll("\"[^\"]*\"", " ");
        List<String> out = new ArrayList<>();
        Matcher m = NAME.matcher(e);
        while (m.find()) {
            if (m.group(1).contains("_") && !PROMQL_WORDS.contains(m.group(1)) && !out.contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what + " " + state.get());
            }
            Thread.sleep(200); // the polling interval of a condition with a deadline
        }
    }

    /** A Prometheus child process scraping both apps every second; killed on close. */
    static final class Prometheus implements AutoCloseable {
        private final Process process;
        private final int port;

        private Prometheus(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Prometheus start(Path binary, Path dir, int appPort, int trainerPort) throws Exception {
            Files.createDirectories(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: streams-app
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                      - job_name: trainer
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                    """.formatted(appPort, trainerPort));
            Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            Prometheus prometheus = new Prometheus(p, port);
            await("Prometheus to be ready", prometheus::ready);
            return prometheus;
        }

        boolean ready() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("prometheus exited with " + process.exitValue());
                }
                return false;
            }
        }

        /** The result of an instant query; fails the test if Prometheus refuses the expression. */
        JsonNode query(String expr) {
            try {
                String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8);
                JsonNode body = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
                assertThat(body.path("status").asText()).as("%s: %s", expr, body).isEqualTo("success");
                return body.path("data").path("result");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        boolean hasData(String expr) {
            return !query(expr).isEmpty();
        }

        int count(String expr) {
            return query(expr).size();
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
