package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.backbone.Pooling;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.features.SpatialPooling;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.PrototypeHead;
import dev.streamclassify.trainer.training.TrainSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Transfer from backbones that were not pre-trained here (an ImageNet network imported with {@code tfjs:}): no
 * source classes, so every target (each split's target classes, and all ten classes) is learnt from N labels per
 * class on features of each given backbone, with each pooling and two heads (softmax, nearest class mean), next to
 * the small CNN trained from scratch on the same images. Each backbone is featurized once, at a spatial cut without
 * pooling ({@code pool=none}), into an on-disk cache; poolings are applied to the cached rows.
 */
public final class ImportedBackboneExperiment {

    /** A target: a name and its classes. */
    public record Target(String name, List<String> classes) {
    }

    /**
     * @param backbones       locations, each cut at a spatial layer with {@code pool=none} (e.g. the same network twice,
     *                        once with {@code weights=random:1} as the control)
     * @param holdoutPerClass test images per class scored (0 = all)
     */
    public record Plan(List<String> backbones, List<Pooling> poolings, List<Target> targets, List<Integer> perClass,
                       List<Long> seeds, int holdoutPerClass, Path cacheDir, HeadConfig head, TrainSettings headTraining,
                       TrainSettings scratchTraining) {
        public Plan {
            backbones = List.copyOf(backbones);
            poolings = List.copyOf(poolings);
            targets = List.copyOf(targets);
            perClass = List.copyOf(perClass);
            seeds = List.copyOf(seeds);
        }
    }

    /** One measured cell: features ({@code scratch} for the small CNN), pooling, head, budget, seed, holdout accuracy. */
    public record Row(String target, String features, String pooling, String head, int perClass, long seed,
                      double accuracy, double trainSeconds) {
    }

    private final Plan plan;
    private final PrintStream log;

    public ImportedBackboneExperiment(Plan plan, PrintStream log) {
        this.plan = plan;
        this.log = log;
    }

    public List<Row> run(Dataset train, Dataset test) throws IOException {
        List<Row> rows = new ArrayList<>();
        Dataset holdoutAll = test.samplePerClass(plan.holdoutPerClass(), 99);
        int maxN = Collections.max(plan.perClass()) == 0 ? 0 : Collections.max(plan.perClass());
        for (String location : plan.backbones()) {
            try (Backbone backbone = Backbones.load(location)) {
                long[] shape = backbone.cutShape();
                if (shape.length != 3 || !backbone.channelsLast()) {
                    throw new IllegalArgumentException(location + " must be cut at a channels-last spatial layer with pool=none, its cut is " + java.util.Arrays.toString(shape));
                }
                String name = backbone.info().name();
                log.printf("%s: cut %s %s, %s%n", name, backbone.info().cutLayer(), java.util.Arrays.toString(shape), backbone.info().fingerprint());
                try (FeatureCache cache = FeatureCache.open(plan.cacheDir(), backbone.info().fingerprint(), backbone.info().featureSize())) {
                    Featurizer featurizer = new Featurizer(backbone, 32);
                    long t0 = System.nanoTime();
                    Features all = featurizer.featurize(holdoutAll, cache, Progress.none());
                    int computed = all.computed();
                    for (long seed : plan.seeds()) {
                        computed += featurizer.featurize(train.samplePerClass(maxN, seed), cache, Progress.none()).computed();
                        cache.flush();
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    log.printf("%s: featurized %d images in %.0f s (%.1f img/s), the rest from the cache%n", name, computed, seconds,
                            computed / Math.max(seconds, 1e-9));
                    for (Target target : plan.targets()) {
                        Features hold = featurizer.featurize(holdoutAll.withClasses(target.classes()), cache, Progress.none());
                        for (int n : plan.perClass()) {
                            for (long seed : plan.seeds()) {
                                Features tr = featurizer.featurize(train.withClasses(target.classes()).samplePerClass(n, seed), cache, Progress.none());
                                for (Pooling pooling : plan.poolings()) {
                                    rows.addAll(heads(target, name, pooling, n, seed, tr, hold, shape));
                                }
                            }
                        }
                    }
                }
            }
        }
        rows.addAll(scratch(train, holdoutAll));
        return rows;
    }

    private List<Row> heads(Target target, String name, Pooling pooling, int n, long seed, Features train, Features holdout, long[] shape) {
        float[][] x = SpatialPooling.apply(train.x().toFloatMatrix(), shape, pooling);
        float[][] hx = SpatialPooling.apply(holdout.x().toFloatMatrix(), shape, pooling);
        long t0 = System.nanoTime();
        PrototypeHead proto = PrototypeHead.fit(x, train.y(), target.classes().size());
        double protoSeconds = (System.nanoTime() - t0) / 1e9;
        Row protoRow = new Row(target.name(), name, pooling.toString(), "prototype", n, seed, proto.accuracy(hx, holdout.y()), protoSeconds);
        Features pooled = new Features(Nd4j.create(x), train.y(), train.labels(), 0, 0);
        Features pooledHold = new Features(Nd4j.create(hx), holdout.y(), holdout.labels(), 0, 0);
        HeadTrainer.Result r = HeadTrainer.train(pooled, plan.head(), plan.headTraining().withSeed(seed), Progress.none());
        try (Owned<MultiLayerNetwork> head = Owned.of(r.head())) {
            Row softmax = new Row(target.name(), name, pooling.toString(), "softmax", n, seed,
                    HeadTrainer.evaluate(head.net(), pooledHold).accuracy(), r.seconds());
            log.printf("%-10s N=%-4s seed=%d %-40s pool %-6s softmax %.4f prototype %.4f%n", target.name(), n == 0 ? "all" : n, seed,
                    name, pooling, softmax.accuracy(), protoRow.accuracy());
            return List.of(softmax, protoRow);
        }
    }

    /** The small CNN of the default backbone, trained end to end on the same images at their own size. */
    private List<Row> scratch(Dataset train, Dataset holdoutAll) {
        List<Row> rows = new ArrayList<>();
        var first = train.images().get(0).image();
        ConvNets.Arch arch = ConvNets.Arch.small(first.height(), first.width(), first.channels());
        Preprocessor pre = new Preprocessor(PreprocessingSpec.unitScaled(arch.height(), arch.width(), arch.channels()));
        for (Target target : plan.targets()) {
            NetworkTrainer.Tensors hold = NetworkTrainer.tensors(holdoutAll.withClasses(target.classes()), pre);
            for (int n : plan.perClass()) {
                for (long seed : plan.seeds()) {
                    Dataset sample = train.withClasses(target.classes()).samplePerClass(n, seed);
                    long t0 = System.nanoTime();
                    try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch, target.classes().size(), 1e-3, seed))) {
                        NetworkTrainer.fit(net.net(), NetworkTrainer.tensors(sample, pre), plan.scratchTraining().withSeed(seed), Progress.none());
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        double acc = NetworkTrainer.evaluate(net.net(), hold).accuracy();
                        log.printf("%-10s N=%-4s seed=%d scratch %.4f%n", target.name(), n == 0 ? "all" : n, seed, acc);
                        rows.add(new Row(target.name(), "scratch (small CNN, " + arch.height() + " px)", "-", "end to end", n, seed, acc, seconds));
                    }
                }
            }
        }
        return rows;
    }
}
