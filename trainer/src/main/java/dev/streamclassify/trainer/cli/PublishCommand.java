package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.trainer.publish.ModelPublisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "publish", description = "Validate a model version artifact and publish it to the models topic (and activate it unless --no-activate).")
final class PublishCommand implements Callable<Integer> {

    /** The environment variable trainer serve reads its key from too (models.signing.key). */
    static final String DEFAULT_KEY_ENV = "TRAINER_MODELS_SIGNING_KEY";

    @Parameters(index = "0", description = "model version artifact written by train")
    Path artifact;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "models")
    String topic;

    @Option(names = "--version", description = "publish under this version number instead of the artifact's")
    Long version;

    @Option(names = "--signing-key", description = "Ed25519 private key that signs the version (from 'trainer keygen'): "
            + "file:PATH, env:VARIABLE or a path; default env:TRAINER_MODELS_SIGNING_KEY if set")
    String signingKey;

    @Option(names = "--unsigned", description = "publish without a signature (development only: streams-app refuses it "
            + "unless models.allow.unsigned=true)")
    boolean unsigned;

    @Option(names = "--no-activate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "activate the version after publishing (default: ${DEFAULT-VALUE})")
    boolean activate;

    @Override
    public Integer call() throws Exception {
        Optional<VersionSigner> signer = signer(System.getenv());
        ModelVersion mv = new ModelVersionCodec().decode(Files.readAllBytes(artifact));
        if (version != null) {
            mv = mv.withVersion(version);
        }
        try (ModelPublisher publisher = new ModelPublisher(bootstrap, topic, Map.of(), Clock.systemUTC(), signer)) {
            if (activate) {
                publisher.publishAndActivate(mv, "cli-" + UUID.randomUUID());
            } else {
                publisher.publish(mv);
            }
        }
        System.out.printf("published %s to %s%s (holdout accuracy %.4f), %s%n", mv.id(), topic, activate ? " and activated it" : "",
                mv.metrics().holdoutAccuracy(), signer.map(s -> "signed by key " + s.keyId()).orElse("UNSIGNED"));
        return 0;
    }

    private Optional<VersionSigner> signer(Map<String, String> env) throws IOException {
        if (unsigned) {
            return Optional.empty();
        }
        String source = signingKey;
        if (source == null && env.get(DEFAULT_KEY_ENV) != null) {
            source = "env:" + DEFAULT_KEY_ENV;
        }
        if (source == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "no signing key: give --signing-key (see 'trainer keygen') or, for development only, --unsigned");
        }
        if (!source.startsWith("file:") && !source.startsWith("env:")) {
            source = "file:" + source;
        }
        return Optional.of(VersionSigner.fromPrivatePem(SigningKeys.resolve(source, env)));
    }
}
