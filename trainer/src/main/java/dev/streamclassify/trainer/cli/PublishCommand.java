package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;
import dev.streamclassify.trainer.publish.VersionWriter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

@Command(name = "publish", description = {
        "Validate a model version artifact and publish it to the models topic under the next free version number "
                + "(or --version), and activate it unless --no-activate.",
        "Kafka client settings (TLS, SASL) come like trainer serve's: --config, TRAINER_KAFKA_* environment variables, "
                + "-Dtrainer.kafka.* system properties. Publishing the same artifact again finds it and writes nothing.",
        "The version is signed with --signing-key, or else the settings' models.signing.key (TRAINER_MODELS_SIGNING_KEY)."})
final class PublishCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "model version artifact written by train")
    Path artifact;

    @Option(names = "--config", description = "the trainer's settings file (bootstrap.servers, models.topic, kafka.* client settings)")
    Path config;

    @Option(names = "--bootstrap-servers", description = "overrides bootstrap.servers of the settings (default localhost:9092)")
    String bootstrap;

    @Option(names = "--topic", description = "overrides models.topic of the settings (default models)")
    String topic;

    @Option(names = "--version", description = "publish under this version number, refused if the model has it already; "
            + "default: the next free number")
    Long version;

    @Option(names = "--signing-key", description = "Ed25519 private key that signs the version (from 'trainer keygen'): "
            + "file:PATH, env:VARIABLE or a path; default: the settings' models.signing.key")
    String signingKey;

    @Option(names = "--unsigned", description = "publish without a signature (development only: streams-app refuses it "
            + "unless models.allow.unsigned=true)")
    boolean unsigned;

    @Option(names = "--activate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "activate the version after publishing (default: ${DEFAULT-VALUE}); --no-activate only publishes it")
    boolean activate;

    @Override
    public Integer call() throws Exception {
        TrainerServiceConfig settings;
        Optional<VersionSigner> signer;
        try {
            settings = TrainerServiceConfig.load(Optional.ofNullable(config));
            signer = signer(settings, System.getenv());
        } catch (ConfigException e) {
            System.err.println("trainer publish: " + e.getMessage());
            return 2;
        }
        byte[] bytes = Files.readAllBytes(artifact);
        ModelVersion mv = new ModelVersionCodec().decode(bytes);
        String servers = bootstrap != null ? bootstrap : settings.bootstrapServers();
        String models = topic != null ? topic : settings.modelsTopic();
        Map<String, Object> producer = new HashMap<>(settings.producerProperties());
        Map<String, Object> consumer = new HashMap<>(settings.consumerProperties());
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        // the same artifact published twice (a retried job) is found by this id instead of becoming a second version
        String requestId = "publish-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 32);
        VersionWriter writer = new VersionWriter(models, producer, consumer, Clock.systemUTC(), signer);
        VersionWriter.Published published;
        try {
            published = writer.publish(mv, version == null ? OptionalLong.empty() : OptionalLong.of(version), requestId,
                    (p, v, earlierRun) -> {
                        if (!earlierRun) {
                            p.publish(v, requestId);
                        }
                        if (activate) {
                            p.activate(v.name(), v.version(), requestId);
                        }
                    });
        } catch (VersionWriter.VersionTakenException e) {
            System.err.println("trainer publish: " + e.getMessage());
            return 1;
        }
        ModelVersion out = published.version();
        System.out.printf("%s %s to %s%s (holdout accuracy %.4f), %s%n", published.earlierRun() ? "already published" : "published",
                out.id(), models, activate ? " and activated it" : "", out.metrics().holdoutAccuracy(),
                signer.map(s -> "signed by key " + s.keyId()).orElse("UNSIGNED"));
        return 0;
    }

    /** --unsigned, else --signing-key, else the settings' key (which refuses to go on without one unless unsigned is allowed). */
    private Optional<VersionSigner> signer(TrainerServiceConfig settings, Map<String, String> env) {
        if (unsigned) {
            return Optional.empty();
        }
        if (signingKey == null) {
            return settings.modelSigner(env);
        }
        String source = signingKey.startsWith("file:") || signingKey.startsWith("env:") ? signingKey : "file:" + signingKey;
        try {
            return Optional.of(VersionSigner.fromPrivatePem(SigningKeys.resolve(source, env)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--signing-key " + signingKey + ": " + e.getMessage());
        }
    }
}
