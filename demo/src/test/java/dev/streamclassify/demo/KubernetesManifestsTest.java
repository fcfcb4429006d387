package dev.streamclassify.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.streamclassify.streams.config.StreamsAppConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling on lag, checked on what {@code kubectl kustomize k8s} renders offline (Debian package
 * {@code kubernetes-client}, installed by .ci/run): KEDA scales the streams-app StatefulSet on the lag of the images
 * topic up to its partition count, and every pod joins as a static member named after itself with a standby replica.
 * The pod's environment is resolved as Kubernetes would and fed to {@link StreamsAppConfig}, so the test proves the
 * settings reach Kafka Streams' consumer, not only that the YAML says so.
 */
class KubernetesManifestsTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    static Map<String, JsonNode> objects;

    @BeforeAll
    static void render() throws Exception {
        Path kubectl = onPath("kubectl");
        Path out = Files.createTempFile("kustomize", ".yaml");
        try {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", "k8s")
                    .directory(ROOT.toFile()).redirectOutput(out.toFile()).redirectErrorStream(false).start();
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("kubectl kustomize k8s finishes").isTrue();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("kubectl kustomize k8s: %s", err).isZero();
            objects = new LinkedHashMap<>();
            try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(out.toFile())) {
                while (docs.hasNext()) {
                    JsonNode o = docs.next();
                    if (o != null && o.has("kind")) {
                        objects.put(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText(), o);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Fails (never skips) without the binary: the suite must check the manifests on every machine that runs it. */
    static Path onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(binary + " is not on PATH: apt-get install kubernetes-client (.ci/run installs it)");
    }

    static JsonNode object(String kindAndName) {
        assertThat(objects).as("rendered objects").containsKey(kindAndName);
        return objects.get(kindAndName);
    }

    static JsonNode streamsAppContainer() {
        for (JsonNode c : object("StatefulSet/streams-app").path("spec").path("template").path("spec").path("containers")) {
            if (c.path("name").asText().equals("streams-app")) {
                return c;
            }
        }
        throw new AssertionError("StatefulSet/streams-app has no streams-app container");
    }

    static int imagesPartitions() {
        return Integer.parseInt(object("ConfigMap/streamclassify-kafka").path("data").path("images.partitions").asText());
    }

    /** The container's environment as the kubelet builds it for a pod of this name (Secrets left out). */
    static Map<String, String> podEnvironment(String podName) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode container = streamsAppContainer();
        for (JsonNode from : container.path("envFrom")) {
            object("ConfigMap/" + from.path("configMapRef").path("name").asText()).path("data")
                    .fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        }
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            if (e.has("value")) {
                Matcher m = VAR_REF.matcher(e.path("value").asText());
                StringBuilder value = new StringBuilder();
                while (m.find()) {
                    // Kubernetes expands $(VAR) only for variables defined earlier in the list
                    m.appendReplacement(value, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
                }
                env.put(name, m.appendTail(value).toString());
            } else if (e.path("valueFrom").has("configMapKeyRef")) {
                JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
                env.put(name, object("ConfigMap/" + ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText());
            } else if (e.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
                env.put(name, podName);
            }
        }
        return env;
    }

    @Test
    void scaledObjectScalesTheStreamsAppStatefulSetOnTheImagesTopicLagOfItsConsumerGroup() {
        JsonNode spec = object("ScaledObject/streams-app").path("spec");
        assertThat(spec.path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(spec.path("scaleTargetRef").path("name").asText()).isEqualTo("streams-app");
        object("StatefulSet/streams-app");

        List<JsonNode> triggers = new ArrayList<>();
        spec.path("triggers").forEach(triggers::add);
        assertThat(triggers).hasSize(1);
        JsonNode trigger = triggers.get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        JsonNode meta = trigger.path("metadata");
        assertThat(Long.parseLong(meta.path("lagThreshold").asText())).isPositive();

        // KEDA reads these from the scale target's container: they must name what streams-app itself uses
        Map<String, String> env = podEnvironment("streams-app-0");
        Map<String, String> kafka = new HashMap<>();
        object("ConfigMap/streamclassify-kafka").path("data").fields().forEachRemaining(e -> kafka.put(e.getKey(), e.getValue().asText()));
        assertThat(env.get(meta.path("topicFromEnv").asText())).as("topic").isEqualTo(kafka.get("topic.images"));
        assertThat(env.get(meta.path("bootstrapServersFromEnv").asText())).as("brokers").isEqualTo(kafka.get("bootstrap.servers"));
        StreamsAppConfig config = StreamsAppConfig.load(null, env, new Properties());
        assertThat(env.get(meta.path("consumerGroupFromEnv").asText())).as("consumer group = application.id")
                .isEqualTo(config.applicationId());
        assertThat(config.imagesTopic()).isEqualTo(kafka.get("topic.images"));
    }

    @Test
    void maxReplicasIsThePartitionCountOfTheImagesTopicAndTheStatefulSetLeavesTheCountToKeda() {
        JsonNode spec = object("ScaledObject/streams-app").path("spec");
        assertThat(spec.path("maxReplicaCount").isInt()).as("maxReplicaCount is a number").isTrue();
        assertThat(spec.path("maxReplicaCount").asInt()).isEqualTo(imagesPartitions());
        assertThat(spec.path("minReplicaCount").asInt()).as("room for the standby").isBetween(2, imagesPartitions());
        assertThat(object("StatefulSet/streams-app").path("spec").has("replicas")).as("replicas owned by KEDA's HPA").isFalse();
        // the topics Job creates the images topic with that many partitions
        JsonNode job = object("Job/streamclassify-create-topics").path("spec").path("template").path("spec");
        assertThat(job.toString()).contains("\"key\":\"images.partitions\"");
    }

    @Test
    void eachPodJoinsAsAStaticMemberNamedAfterItselfWithAStandbyReplica() {
        for (String pod : List.of("streams-app-0", "streams-app-2")) {
            StreamsAppConfig config = StreamsAppConfig.load(null, podEnvironment(pod), new Properties());
            StreamsConfig streams = new StreamsConfig(config.streamsProperties());
            assertThat(streams.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
            Map<String, Object> consumer = streams.getMainConsumerConfigs(config.applicationId(), pod + "-StreamThread-1", 1);
            // Kafka Streams suffixes the thread index: one static member per stream thread
            assertThat(consumer.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo(pod + "-1");
        }
    }
}
