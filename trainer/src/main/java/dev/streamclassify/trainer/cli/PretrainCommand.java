package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.progress.ConsoleProgress;
import dev.streamclassify.trainer.training.Pretrainer;
import dev.streamclassify.trainer.training.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "pretrain", description = "Pre-train a backbone on source classes and write backbone.zip + backbone.json.")
final class PretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--out", required = true, description = "output folder for backbone.zip and backbone.json")
    Path out;

    @Option(names = "--name", defaultValue = "fmnist-conv", description = "backbone name (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--cut", defaultValue = "pool2", description = "layer the features are cut at (default: ${DEFAULT-VALUE})")
    String cut;

    @Option(names = "--epochs", defaultValue = "3")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "1e-3")
    double learningRate;

    @Option(names = "--dropout", defaultValue = "0.25", description = "dropout before the source classifier (default: ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--widths", defaultValue = "32,64", split = ",", description = "conv1,conv2 channels (default: ${DEFAULT-VALUE})")
    int[] widths;

    @Override
    public Integer call() throws Exception {
        Dataset source = data.load().train();
        var first = source.images().get(0).image();
        ConvNets.Arch arch = ConvNets.Arch.small(first.height(), first.width(), first.channels())
                .withWidths(widths[0], widths[1]).withDropout(dropout);
        String command = "trainer " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        System.out.printf("pre-training %s on %d images of %s%n", name, source.size(), source.labels());
        Pretrainer.Result r = Pretrainer.run(name, source, arch, cut, learningRate, new TrainSettings(epochs, batchSize, 0, data.seed),
                0.1, out, command, new ConsoleProgress(System.out));
        System.out.printf("backbone %s%nfingerprint %s%nsource holdout accuracy %.4f (%d images), %.0f s%n",
                r.descriptor(), r.fingerprint(), r.sourceHoldout().accuracy(), r.sourceHoldout().count(), r.seconds());
        return 0;
    }
}
