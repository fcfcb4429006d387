package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.progress.ConsoleProgress;
import dev.streamclassify.trainer.training.TrainingPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

@Command(name = "train", description = "Featurize once (cached), train the replaced head on the frozen backbone, evaluate, write a model version.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    HeadOptions head = new HeadOptions();

    @Option(names = "--backbone", defaultValue = "default", description = "default | file:backbone.json | zoo:NAME | keras:model.h5#LAYER")
    String backbone;

    @Option(names = "--model-name", defaultValue = "default")
    String modelName;

    @Option(names = "--version", defaultValue = "1", description = "version number of the artifact (default: ${DEFAULT-VALUE})")
    long version;

    @Option(names = "--cache-dir", defaultValue = "${sys:user.home}/.cache/streamclassify/features")
    Path cacheDir;

    @Option(names = "--fine-tune-layers", defaultValue = "0",
            description = "after the head, fine-tune this many top backbone layers below the cut (default: ${DEFAULT-VALUE})")
    int fineTuneLayers;

    @Option(names = "--fine-tune-epochs", defaultValue = "2")
    int fineTuneEpochs;

    @Option(names = "--fine-tune-learning-rate", defaultValue = "1e-4")
    double fineTuneLearningRate;

    @Option(names = "--out", required = true, description = "model version artifact to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        Dataset.Split split = data.load();
        try (Backbone bb = Backbones.load(backbone);
             FeatureCache cache = FeatureCache.open(cacheDir, bb.info().fingerprint(), bb.info().featureSize())) {
            System.out.printf("backbone %s (%s) cut at %s: %d features%n", bb.info().name(), bb.info().fingerprint(),
                    bb.info().cutLayer(), bb.info().featureSize());
            System.out.printf("train %d images, holdout %d images, classes %s%n", split.train().size(), split.holdout().size(),
                    split.train().labels());
            TrainingPipeline.Outcome o = TrainingPipeline.run(bb, cache, split.train(), split.holdout(), head.head(),
                    head.settings(data.seed), new TrainingPipeline.FineTune(fineTuneLayers, fineTuneLearningRate, fineTuneEpochs), modelName, version, Clock.systemUTC(), new ConsoleProgress(System.out));
            byte[] bytes = new ModelVersionCodec().encode(o.version());
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            Files.write(out, bytes);
            System.out.printf("featurized %d images, %d from cache; head trained in %.2f s%n", o.featurized(), o.fromCache(), o.headSeconds());
            System.out.print(o.holdout().format());
            if (!o.version().fineTunedLayers().isEmpty()) {
                System.out.printf("fine-tuned backbone layers %s travel with the version%n", o.version().fineTunedLayers().keySet());
            }
            System.out.printf("wrote %s (%s, %d bytes)%n", out, o.version().id(), bytes.length);
        }
        return 0;
    }
}
