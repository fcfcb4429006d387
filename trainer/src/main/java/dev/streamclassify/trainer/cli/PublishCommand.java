package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.trainer.publish.ModelPublisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "publish", description = "Validate a model version artifact and publish it to the models topic (and activate it unless --no-activate).")
final class PublishCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "model version artifact written by train")
    Path artifact;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "models")
    String topic;

    @Option(names = "--version", description = "publish under this version number instead of the artifact's")
    Long version;

    @Option(names = "--no-activate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "activate the version after publishing (default: ${DEFAULT-VALUE})")
    boolean activate;

    @Override
    public Integer call() throws Exception {
        ModelVersion mv = new ModelVersionCodec().decode(Files.readAllBytes(artifact));
        if (version != null) {
            mv = mv.withVersion(version);
        }
        try (ModelPublisher publisher = new ModelPublisher(bootstrap, topic)) {
            if (activate) {
                publisher.publishAndActivate(mv, "cli-" + UUID.randomUUID());
            } else {
                publisher.publish(mv);
            }
        }
        System.out.printf("published %s to %s%s (holdout accuracy %.4f)%n", mv.id(), topic, activate ? " and activated it" : "",
                mv.metrics().holdoutAccuracy());
        return 0;
    }
}
