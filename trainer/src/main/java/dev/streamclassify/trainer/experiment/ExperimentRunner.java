package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.training.Progress;
import dev.streamclassify.trainer.training.TrainSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures the transfer claims: for every split, a backbone is pre-trained on the source classes only; then for
 * every labels-per-class budget and seed the same sampled target images train (a) a head on the frozen
 * pre-trained backbone, (b) the same architecture from scratch, (c) a head on that architecture frozen at random
 * initialisation. All three are scored on the same target holdout.
 */
public final class ExperimentRunner {

    private final ExperimentPlan plan;
    private final PrintStream log;

    public ExperimentRunner(ExperimentPlan plan, PrintStream log) {
        this.plan = plan;
        this.log = log;
    }

    /** Result of a run: every trial plus the source holdout accuracy of each split's pre-trained backbone. */
    public record Result(List<Trial> trials, List<String> backboneNotes, double seconds) {
    }

    public Result run(Dataset train, Dataset test) throws IOException {
        long t0 = System.nanoTime();
        List<Trial> trials = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        var first = train.images().get(0).image();
        ConvNets.Arch arch = ConvNets.Arch.small(first.height(), first.width(), first.channels());
        PreprocessingSpec spec = PreprocessingSpec.unitScaled(arch.height(), arch.width(), arch.channels());
        Preprocessor pre = new Preprocessor(spec);
        for (ExperimentPlan.ClassSplit split : plan.splits()) {
            Dataset targetPool = train.withClasses(split.target());
            Dataset holdout = test.withClasses(split.target());
            NetworkTrainer.Tensors holdoutTensors = NetworkTrainer.tensors(holdout, pre);
            try (Backbone pretrained = pretrain(split, train, test, arch, spec, pre, notes)) {
                FeatureCache cache = FeatureCache.inMemory(pretrained.info().featureSize());
                Featurizer featurizer = new Featurizer(pretrained, 128);
                Features holdF = featurizer.featurize(holdout, cache, Progress.none());
                for (long seed : plan.seeds()) {
                    try (Backbone random = randomBackbone(arch, spec, seed)) {
                        Featurizer randomFeaturizer = new Featurizer(random, 128);
                        FeatureCache randomCache = FeatureCache.inMemory(random.info().featureSize());
                        Features randomHoldF = randomFeaturizer.featurize(holdout, randomCache, Progress.none());
                        for (int n : plan.perClass()) {
                            Dataset sample = n > 0 ? targetPool.samplePerClass(n, seed) : targetPool;
                            trials.add(head(split, Method.TRANSFER, n, seed, sample, featurizer, cache, holdF));
                            trials.add(head(split, Method.RANDOM_BACKBONE, n, seed, sample, randomFeaturizer, randomCache, randomHoldF));
                            trials.add(scratch(split, n, seed, sample, arch, pre, holdoutTensors));
                            log.printf("%-8s N=%-5s seed=%d  transfer %.4f  random %.4f  scratch %.4f%n", split.name(), n == 0 ? "all" : n, seed,
                                    trials.get(trials.size() - 3).accuracy(), trials.get(trials.size() - 2).accuracy(), trials.get(trials.size() - 1).accuracy());
                        }
                    }
                }
            }
        }
        return new Result(trials, notes, (System.nanoTime() - t0) / 1e9);
    }

    private Backbone pretrain(ExperimentPlan.ClassSplit split, Dataset train, Dataset test, ConvNets.Arch arch, PreprocessingSpec spec,
                              Preprocessor pre, List<String> notes) throws IOException {
        Dataset source = train.withClasses(split.source());
        if (plan.sourcePerClass() > 0) {
            source = source.samplePerClass(plan.sourcePerClass(), 7);
        }
        long t0 = System.nanoTime();
        ComputationGraph net = ConvNets.build(arch.withDropout(0.25), split.source().size(), 1e-3, 7);
        try (Owned<ComputationGraph> owned = Owned.of(net)) {
            NetworkTrainer.fit(net, NetworkTrainer.tensors(source, pre), new TrainSettings(plan.pretrainEpochs(), 64, 0, 7), Progress.none());
            double acc = NetworkTrainer.evaluate(net, NetworkTrainer.tensors(test.withClasses(split.source()), pre)).accuracy();
            String note = String.format("%s: backbone pre-trained on %s (%d images, %d epochs, %.0f s), source holdout accuracy %.4f",
                    split.name(), split.source(), source.size(), plan.pretrainEpochs(), (System.nanoTime() - t0) / 1e9, acc);
            log.println(note);
            notes.add(note);
            return Backbones.fromBytes("pretrained-" + split.name(), ModelBytes.of(net), "pool2", spec);
        }
    }

    private static Backbone randomBackbone(ConvNets.Arch arch, PreprocessingSpec spec, long seed) throws IOException {
        try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch, 2, 1e-3, 1000 + seed))) {
            return Backbones.fromBytes("random-" + seed, ModelBytes.of(net.net()), "pool2", spec);
        }
    }

    private Trial head(ExperimentPlan.ClassSplit split, Method method, int n, long seed, Dataset sample, Featurizer featurizer,
                       FeatureCache cache, Features holdout) {
        Features f = featurizer.featurize(sample, cache, Progress.none());
        HeadTrainer.Result r = HeadTrainer.train(f, plan.head(), plan.headTraining().withSeed(seed), Progress.none());
        try (Owned<MultiLayerNetwork> head = Owned.of(r.head())) {
            double acc = HeadTrainer.evaluate(head.net(), holdout).accuracy();
            return new Trial(split.name(), method, n, sample.size(), seed, acc, r.seconds(), r.epochLosses());
        }
    }

    private Trial scratch(ExperimentPlan.ClassSplit split, int n, long seed, Dataset sample, ConvNets.Arch arch, Preprocessor pre,
                          NetworkTrainer.Tensors holdout) {
        long t0 = System.nanoTime();
        try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch, split.target().size(), 1e-3, seed))) {
            List<Double> losses = NetworkTrainer.fit(net.net(), NetworkTrainer.tensors(sample, pre), plan.scratchTraining().withSeed(seed), Progress.none());
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = NetworkTrainer.evaluate(net.net(), holdout).accuracy();
            return new Trial(split.name(), Method.SCRATCH, n, sample.size(), seed, acc, seconds, losses);
        }
    }
}
