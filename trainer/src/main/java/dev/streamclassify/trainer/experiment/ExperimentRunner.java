package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.dataset.internal.Shuffling;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.Selection;
import dev.streamclassify.trainer.training.SemiSupervised;
import dev.streamclassify.trainer.training.TrainSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Measures the label-efficiency claims under one protocol for every arm. Per split and seed: a validation set is
 * carved from the target training pool (never the holdout); the labelled samples and the unlabelled pool come from
 * what is left; every backbone that depends on a seed (pre-trained on the source classes, random, rotation) is made
 * with that seed, so its variance is in the interval; every arm, scratch included, picks learning rate, L2 and its
 * stopping epoch by the same rule on the validation set ({@link Selection}); the holdout is scored once per trial.
 */
public final class ExperimentRunner {

    /** Unlabelled target images the rotation backbone learns from (x 4 rotations): the first of the pool, to bound its cost. */
    static final int ROTATION_IMAGES = 2000;

    private final ExperimentPlan plan;
    private final PrintStream log;

    public ExperimentRunner(ExperimentPlan plan, PrintStream log) {
        this.plan = plan;
        this.log = log;
    }

    /** Result of a run: every trial plus notes on each backbone made (source holdout accuracy, time). */
    public record Result(List<Trial> trials, List<String> backboneNotes, double seconds) {
    }

    /** The images one seed of one split works with. */
    private record Draw(Dataset validation, Map<Integer, Dataset> labelled, List<LabelledImage> pool) {

        List<RawImage> poolImages() {
            return pool.stream().map(LabelledImage::image).toList();
        }
    }

    public Result run(Dataset train, Dataset test) throws IOException {
        long t0 = System.nanoTime();
        List<Trial> trials = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        var first = train.images().get(0).image();
        ConvNets.Arch arch = ConvNets.Arch.small(first.height(), first.width(), first.channels());
        PreprocessingSpec spec = PreprocessingSpec.unitScaled(arch.height(), arch.width(), arch.channels());
        Preprocessor pre = new Preprocessor(spec);
        List<Arm> arms = plan.arms();
        for (ExperimentPlan.ClassSplit split : plan.splits()) {
            Dataset targetPool = train.withClasses(split.target());
            Dataset holdout = test.withClasses(split.target());
            if (plan.holdoutPerClass() > 0) {
                holdout = holdout.samplePerClass(plan.holdoutPerClass(), 0);
            }
            NetworkTrainer.Tensors holdoutTensors = NetworkTrainer.tensors(holdout, pre);
            for (long seed : plan.seeds()) {
                Draw draw = draw(targetPool, seed);
                for (int n : plan.scratch() ? plan.perClass() : List.<Integer>of()) {
                    Trial t = scratch(split, n, seed, draw.labelled().get(n), draw.validation(), arch, pre, holdoutTensors);
                    trials.add(t);
                    print(t);
                }
                for (String b : plan.backbones()) {
                    List<Arm> ofBackbone = arms.stream().filter(a -> a.backbone().equals(b)).toList();
                    if (ofBackbone.isEmpty()) {
                        continue;
                    }
                    try (Backbone backbone = backbone(b, split, seed, train, test, draw.poolImages(), arch, spec, pre, notes);
                         FeatureCache cache = featureCache(b, backbone)) {
                        trials.addAll(heads(split, seed, ofBackbone, backbone, cache, draw, holdout));
                    }
                }
            }
        }
        return new Result(trials, notes, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Validation first, then the labelled samples from what is left, then the pool: a prefix of one seeded order of
     * what is left, so that a budget's pool (that order minus its own labelled images) does not depend on which other
     * budgets a run measures; runs split over processes stay paired.
     */
    private Draw draw(Dataset targetPool, long seed) {
        Dataset validation = targetPool.samplePerClass(plan.valPerClass(), 10_000 + seed);
        Dataset rest = without(targetPool, hashes(validation));
        Map<Integer, Dataset> labelled = new LinkedHashMap<>();
        for (int n : plan.perClass()) {
            labelled.put(n, n > 0 ? rest.samplePerClass(n, seed) : rest);
        }
        int maxLabelled = labelled.values().stream().mapToInt(Dataset::size).max().orElse(0);
        List<LabelledImage> left = rest.images();
        int[] order = Shuffling.permutation(left.size(), 20_000 + seed);
        List<LabelledImage> pool = new ArrayList<>();
        for (int i = 0; i < order.length && pool.size() < plan.maxUnlabelled() + maxLabelled; i++) {
            pool.add(left.get(order[i]));
        }
        return new Draw(validation, labelled, pool);
    }

    /** Rows of the pool a budget may use: the pool without that budget's labelled images, at most {@code max}. */
    private int[] poolRows(Draw draw, int n, int max) {
        Set<String> taken = hashes(draw.labelled().get(n));
        int[] rows = IntStream.range(0, draw.pool().size()).filter(i -> !taken.contains(draw.pool().get(i).contentHash())).limit(max).toArray();
        if (rows.length < max) {
            log.printf("note: only %d unlabelled images left for a pool of %d at N=%d%n", rows.length, max, n);
        }
        return rows;
    }

    private static Set<String> hashes(Dataset d) {
        Set<String> out = new HashSet<>();
        d.images().forEach(i -> out.add(i.contentHash()));
        return out;
    }

    private static Dataset without(Dataset d, Set<String> exclude) {
        return new Dataset(d.labels(), d.images().stream().filter(i -> !exclude.contains(i.contentHash())).toList());
    }

    private void print(Trial t) {
        log.println(ExperimentLog.line(t));
        log.println(ExperimentLog.curveLine(t));
    }

    /**
     * Per-seed backbones get a cache that dies with the seed; a backbone spec (the same network every seed, e.g. an
     * ImageNet MobileNetV2) keeps its features on disk, so its holdout is featurized once across seeds and runs.
     */
    private FeatureCache featureCache(String which, Backbone backbone) throws IOException {
        boolean perSeed = List.of("pretrained", "random", "rotation").contains(which);
        if (perSeed || plan.featureCache().isEmpty()) {
            return FeatureCache.inMemory(backbone.info().featureSize());
        }
        return FeatureCache.open(plan.featureCache().get(), backbone.info().fingerprint(), backbone.info().featureSize());
    }

    private List<Trial> heads(ExperimentPlan.ClassSplit split, long seed, List<Arm> arms, Backbone backbone, FeatureCache cache, Draw draw,
                              Dataset holdout) {
        Featurizer featurizer = new Featurizer(backbone, 128);
        Features holdF = featurizer.featurize(holdout, cache, Progress.none());
        Features valF = featurizer.featurize(draw.validation(), cache, Progress.none());
        INDArray poolF = featurizer.featurizeUnlabelled(draw.poolImages(), cache, Progress.none()).x();
        List<Trial> out = new ArrayList<>();
        for (int n : plan.perClass()) {
            Dataset sample = draw.labelled().get(n);
            Features f = featurizer.featurize(sample, cache, Progress.none());
            int[] rows = poolRows(draw, n, plan.maxUnlabelled());
            for (Arm arm : arms) {
                int u = Math.min(arm.unlabelled(), rows.length);
                int[] used = Arrays.copyOf(rows, u);
                INDArray pool = u == 0 ? null : poolF.getRows(used);
                int[] truth = Arrays.stream(used).map(i -> f.labels().indexOf(draw.pool().get(i).label())).toArray();
                Trial t = head(split, arm, n, seed, f, pool, truth, valF, holdF);
                out.add(t);
                print(t);
            }
        }
        return out;
    }

    /** @param poolTruth true class of each pool row: only to report how right the pseudo-labels were, never to train */
    private Trial head(ExperimentPlan.ClassSplit split, Arm arm, int n, long seed, Features labelled, INDArray pool, int[] poolTruth,
                       Features val, Features holdout) {
        long t0 = System.nanoTime();
        SemiSupervised.Result best = null;
        Selection.Candidate bestCandidate = null;
        try {
            for (Selection.Candidate c : plan.candidates()) {
                HeadConfig config = new HeadConfig(plan.head().hiddenLayers(), plan.head().dropout(), c.learningRate(), c.l2());
                SemiSupervised.Result r = SemiSupervised.train(labelled, pool, config, plan.headTraining().withSeed(seed),
                        plan.recipe().withMethod(arm.method()), Progress.none(), val);
                if (best == null || r.validationAccuracy() > best.validationAccuracy()) {
                    if (best != null) {
                        best.head().close();
                    }
                    best = r;
                    bestCandidate = c;
                } else {
                    r.head().close();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = HeadTrainer.evaluate(best.head(), holdout).accuracy();
            String chosen = String.format(Locale.ROOT, "lr=%s l2=%s val=%.3f%s", bestCandidate.learningRate(), bestCandidate.l2(),
                    best.validationAccuracy(), best.pseudoLabelsPerRound().isEmpty() ? "" : " pseudo=" + best.pseudoLabelsPerRound()
                            + " pseudo-acc=" + best.pseudoLabels().stream().map(p -> String.format(Locale.ROOT, "%.3f", p.accuracy(poolTruth))).toList());
            return new Trial(split.name(), arm, n, labelled.size(), seed, acc, seconds, best.epochLosses(), chosen, best.curve());
        } finally {
            if (best != null) {
                best.head().close();
            }
        }
    }

    private Trial scratch(ExperimentPlan.ClassSplit split, int n, long seed, Dataset sample, Dataset validation, ConvNets.Arch arch,
                          Preprocessor pre, NetworkTrainer.Tensors holdout) {
        long t0 = System.nanoTime();
        NetworkTrainer.Tensors train = NetworkTrainer.tensors(sample, pre);
        NetworkTrainer.Tensors val = NetworkTrainer.tensors(validation, pre);
        ComputationGraph best = null;
        Selection.Stopped bestStop = null;
        Selection.Candidate bestCandidate = null;
        try {
            for (Selection.Candidate c : plan.candidates()) {
                ComputationGraph net = ConvNets.build(arch, split.target().size(), c.learningRate(), c.l2(), seed);
                Selection.Tracker tracker = Selection.track(net, m -> NetworkTrainer.evaluate((ComputationGraph) m, val).accuracy(), Progress.none(),
                        Selection.updatesPerEpoch(sample.size(), plan.scratchTraining().batchSize()));
                Selection.Stopped stop = tracker.restoreBest(NetworkTrainer.fit(net, train, plan.scratchTraining().withSeed(seed), tracker));
                if (best == null || stop.validationAccuracy() > bestStop.validationAccuracy()) {
                    if (best != null) {
                        best.close();
                    }
                    best = net;
                    bestStop = stop;
                    bestCandidate = c;
                } else {
                    net.close();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = NetworkTrainer.evaluate(best, holdout).accuracy();
            String chosen = String.format(Locale.ROOT, "lr=%s l2=%s epoch=%d val=%.3f", bestCandidate.learningRate(), bestCandidate.l2(),
                    bestStop.bestEpoch(), bestStop.validationAccuracy());
            return new Trial(split.name(), Arm.SCRATCH, n, sample.size(), seed, acc, seconds, bestStop.epochLosses(), chosen, bestStop.curve());
        } finally {
            if (best != null) {
                best.close();
            }
        }
    }

    private Backbone backbone(String which, ExperimentPlan.ClassSplit split, long seed, Dataset train, Dataset test, List<RawImage> pool,
                              ConvNets.Arch arch, PreprocessingSpec spec, Preprocessor pre, List<String> notes) throws IOException {
        return switch (which) {
            case "pretrained" -> Backbones.fromBytes("pretrained-" + split.name() + "-" + seed,
                    cached("pretrained-" + split.name() + "-seed" + seed + "-of" + train.size(), () -> pretrain(split, seed, train, test, arch, pre, notes)), "pool2", spec);
            case "random" -> {
                try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch, 2, 1e-3, 1000 + seed))) {
                    yield Backbones.fromBytes("random-" + seed, ModelBytes.of(net.net()), "pool2", spec);
                }
            }
            case "rotation" -> {
                List<RawImage> images = pool.subList(0, Math.min(pool.size(), ROTATION_IMAGES));
                yield Backbones.fromBytes("rotation-" + split.name() + "-" + seed, cached("rotation-" + split.name() + "-seed" + seed
                        + "-u" + images.size() + "-of" + train.size(), () -> rotation(split, seed, images, arch, pre, notes)), "pool2", spec);
            }
            default -> Backbones.load(which);
        };
    }

    private interface Maker {
        byte[] make() throws IOException;
    }

    /** Pre-trained backbones per seed are kept on disk (when a cache is set), so a rerun only trains heads. */
    private byte[] cached(String key, Maker maker) throws IOException {
        if (plan.backboneCache().isEmpty()) {
            return maker.make();
        }
        String name = String.format(Locale.ROOT, "%s-e%d-s%d.zip", key.replaceAll("[^A-Za-z0-9_-]+", "_"), plan.pretrainEpochs(),
                plan.sourcePerClass());
        Path file = plan.backboneCache().get().resolve(name);
        if (Files.isRegularFile(file)) {
            log.println("pre-trained backbone from " + file);
            return Files.readAllBytes(file);
        }
        byte[] bytes = maker.make();
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(name + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return bytes;
    }

    private byte[] pretrain(ExperimentPlan.ClassSplit split, long seed, Dataset train, Dataset test, ConvNets.Arch arch, Preprocessor pre,
                            List<String> notes) {
        Dataset source = train.withClasses(split.source());
        if (plan.sourcePerClass() > 0) {
            source = source.samplePerClass(plan.sourcePerClass(), 7 + seed);
        }
        long t0 = System.nanoTime();
        try (Owned<ComputationGraph> owned = Owned.of(ConvNets.build(arch.withDropout(0.25), split.source().size(), 1e-3, 7 + seed))) {
            ComputationGraph net = owned.net();
            NetworkTrainer.fit(net, NetworkTrainer.tensors(source, pre), new TrainSettings(plan.pretrainEpochs(), 64, 0, 7 + seed), Progress.none());
            double acc = NetworkTrainer.evaluate(net, NetworkTrainer.tensors(test.withClasses(split.source()), pre)).accuracy();
            note(notes, String.format(Locale.ROOT, "%s seed %d: backbone pre-trained on %s (%d images, %d epochs, %.0f s), source holdout accuracy %.4f",
                    split.name(), seed, split.source(), source.size(), plan.pretrainEpochs(), (System.nanoTime() - t0) / 1e9, acc));
            return ModelBytes.of(net);
        }
    }

    /**
     * Self-supervised pre-training on the unlabelled target images (Gidaris et al. 2018): each image in four
     * rotations, the network learns which; no label is used.
     */
    private byte[] rotation(ExperimentPlan.ClassSplit split, long seed, List<RawImage> pool, ConvNets.Arch arch, Preprocessor pre,
                            List<String> notes) {
        List<String> labels = List.of("r0", "r90", "r180", "r270");
        List<LabelledImage> rotated = new ArrayList<>();
        for (RawImage img : pool) {
            RawImage r = img;
            for (String l : labels) {
                rotated.add(new LabelledImage(l, r));
                r = Rotations.quarterTurn(r);
            }
        }
        Dataset.Split parts = new Dataset(labels, rotated).stratifiedSplit(0.1, seed);
        long t0 = System.nanoTime();
        try (Owned<ComputationGraph> owned = Owned.of(ConvNets.build(arch.withDropout(0.25), labels.size(), 1e-3, 7 + seed))) {
            ComputationGraph net = owned.net();
            NetworkTrainer.fit(net, NetworkTrainer.tensors(parts.train(), pre), new TrainSettings(plan.pretrainEpochs(), 64, 0, 7 + seed),
                    Progress.none());
            double acc = NetworkTrainer.evaluate(net, NetworkTrainer.tensors(parts.holdout(), pre)).accuracy();
            note(notes, String.format(Locale.ROOT, "%s seed %d: rotation backbone pre-trained on %d unlabelled target images x 4 rotations "
                            + "(%d epochs, %.0f s), rotation accuracy on held-out copies %.4f", split.name(), seed, pool.size(),
                    plan.pretrainEpochs(), (System.nanoTime() - t0) / 1e9, acc));
            return ModelBytes.of(net);
        }
    }

    private void note(List<String> notes, String note) {
        log.println(note);
        notes.add(note);
    }
}
