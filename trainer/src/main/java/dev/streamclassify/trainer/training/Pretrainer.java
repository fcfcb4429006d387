package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.backbone.BackboneDescriptor;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.trainer.dataset.Dataset;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pre-trains a backbone on a source data set that shares no class with the target, then writes it as
 * {@code backbone.zip} plus a {@code backbone.json} descriptor recording how it was made.
 */
public final class Pretrainer {

    /** What a pre-training run produced. */
    public record Result(Path descriptor, String fingerprint, EvalReport sourceHoldout, List<Double> losses, double seconds) {
    }

    private Pretrainer() {
    }

    public static Result run(String name, Dataset source, ConvNets.Arch arch, String cutLayer, double learningRate,
                             TrainSettings settings, double holdoutFraction, Path outDir, String command, Progress progress) throws IOException {
        PreprocessingSpec spec = PreprocessingSpec.unitScaled(arch.height(), arch.width(), arch.channels());
        Preprocessor pre = new Preprocessor(spec);
        Dataset.Split split = source.stratifiedSplit(holdoutFraction, settings.seed());
        long t0 = System.nanoTime();
        try (Owned<ComputationGraph> owned = Owned.of(ConvNets.build(arch, source.labels().size(), learningRate, settings.seed()))) {
            ComputationGraph net = owned.net();
            NetworkTrainer.Tensors train = NetworkTrainer.tensors(split.train(), pre);
            List<Double> losses = NetworkTrainer.fit(net, train, settings, progress);
            double seconds = (System.nanoTime() - t0) / 1e9;
            EvalReport holdout = NetworkTrainer.evaluate(net, NetworkTrainer.tensors(split.holdout(), pre));
            byte[] bytes = ModelBytes.of(net);
            Files.createDirectories(outDir);
            Files.write(outDir.resolve("backbone.zip"), bytes);
            Map<String, Object> provenance = new LinkedHashMap<>();
            provenance.put("command", command);
            provenance.put("sourceClasses", source.labels());
            provenance.put("trainImages", split.train().size());
            provenance.put("holdoutImages", split.holdout().size());
            provenance.put("sourceHoldoutAccuracy", holdout.accuracy());
            provenance.put("epochs", losses.size());
            provenance.put("architecture", arch);
            provenance.put("fingerprint", Hashing.fingerprint(bytes));
            provenance.put("trainSeconds", seconds);
            BackboneDescriptor d = new BackboneDescriptor(name, "backbone.zip", cutLayer, spec, provenance);
            Path descriptor = outDir.resolve("backbone.json");
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(descriptor.toFile(), d);
            return new Result(descriptor, Hashing.fingerprint(bytes), holdout, losses, seconds);
        }
    }
}
