package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.backbone.Pooling;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.features.SpatialPooling;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.PrototypeHead;
import dev.streamclassify.trainer.training.Selection;
import dev.streamclassify.trainer.training.TrainSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Transfer from backbones that were not pre-trained here (an ImageNet network imported with {@code tfjs:}): no
 * source classes, so every target (each split's target classes, and all ten classes) is learnt from N labels per
 * class on features of each given backbone, with each pooling and two heads (softmax, nearest class mean), next to
 * the small CNN trained from scratch on the same images ({@value #SCRATCH} in the backbone list).
 *
 * <p>The protocol is {@link ExperimentRunner}'s: per seed a validation set is carved from the training pool (never
 * the holdout) and the labelled samples come from what is left, so every arm of a seed sees the same images; the
 * softmax head and scratch pick learning rate, L2 and their stopping epoch on that validation set
 * ({@link Selection}); the prototype head has nothing to choose. Each backbone is featurized at a spatial cut
 * without pooling ({@code pool=none}) into an on-disk cache; poolings are applied to the cached rows. Budgets run
 * smallest first, so a stopped run has every arm at the small budgets; each cell is one {@link RowLog} line.
 */
public final class ImportedBackboneExperiment {

    /** The backbone list entry that stands for the small CNN trained end to end. */
    public static final String SCRATCH = "scratch";

    /** A target: a name and its classes. */
    public record Target(String name, List<String> classes) {
    }

    /**
     * @param backbones       locations, each cut at a spatial layer with {@code pool=none} (e.g. the same network twice,
     *                        once with {@code weights=random:1} as the control), or {@value #SCRATCH}
     * @param holdoutPerClass test images per class scored (0 = all)
     * @param valPerClass     labelled validation images per class, carved from the training pool per seed
     * @param candidates      learning rate and L2 pairs the softmax head and scratch choose from on the validation set
     */
    public record Plan(List<String> backbones, List<Pooling> poolings, List<Target> targets, List<Integer> perClass,
                       List<Long> seeds, int holdoutPerClass, int valPerClass, List<Selection.Candidate> candidates, Path cacheDir,
                       HeadConfig head, TrainSettings headTraining, TrainSettings scratchTraining) {
        public Plan {
            backbones = List.copyOf(backbones);
            poolings = List.copyOf(poolings);
            targets = List.copyOf(targets);
            perClass = List.copyOf(perClass);
            seeds = List.copyOf(seeds);
            candidates = List.copyOf(candidates);
            if (candidates.isEmpty() || valPerClass < 1) {
                throw new IllegalArgumentException("the selection rule needs at least one candidate and a validation image per class");
            }
        }
    }

    /**
     * One measured cell: features ({@code scratch ...} for the small CNN), pooling, head, budget, seed, holdout
     * accuracy, train time including selection, and what the selection chose.
     */
    public record Row(String target, String features, String pooling, String head, int perClass, long seed,
                      double accuracy, double trainSeconds, String chosen) {
    }

    /** The images one seed works with: validation first, labelled samples (nested in N) from what is left. */
    private record Draw(long seed, Dataset validation, Dataset rest) {
        Dataset labelled(int n, List<String> classes) {
            return rest.withClasses(classes).samplePerClass(n, seed);
        }
    }

    /** An open backbone with its feature cache. */
    private record Open(Backbone backbone, FeatureCache cache, Featurizer featurizer, long[] shape) {
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
        List<Draw> draws = new ArrayList<>();
        for (long seed : plan.seeds()) {
            Dataset validation = train.samplePerClass(plan.valPerClass(), 10_000 + seed);
            Set<String> taken = new HashSet<>();
            validation.images().forEach(i -> taken.add(i.contentHash()));
            draws.add(new Draw(seed, validation, new Dataset(train.labels(),
                    train.images().stream().filter(i -> !taken.contains(i.contentHash())).toList())));
        }
        Map<String, Open> open = new LinkedHashMap<>();
        try {
            for (int n : plan.perClass().stream().sorted((a, b) -> Integer.compare(a == 0 ? Integer.MAX_VALUE : a, b == 0 ? Integer.MAX_VALUE : b)).toList()) {
                for (String location : plan.backbones()) {
                    if (location.equals(SCRATCH)) {
                        rows.addAll(scratch(n, draws, holdoutAll));
                        continue;
                    }
                    Open o = open.get(location);
                    if (o == null) {
                        o = open(location);
                        open.put(location, o);
                    }
                    for (Draw draw : draws) {
                        for (Target target : plan.targets()) {
                            Features hold = featurize(o, holdoutAll.withClasses(target.classes()));
                            Features val = featurize(o, draw.validation().withClasses(target.classes()));
                            Features tr = featurize(o, draw.labelled(n, target.classes()));
                            for (Pooling pooling : plan.poolings()) {
                                rows.addAll(heads(target, o, pooling, n, draw.seed(), tr, val, hold));
                            }
                            tr.x().close();
                            val.x().close();
                            hold.x().close();
                            o.cache().flush();
                        }
                    }
                }
            }
        } finally {
            for (Open o : open.values()) {
                try (Backbone b = o.backbone(); FeatureCache c = o.cache()) {
                    c.flush();
                }
            }
        }
        return rows;
    }

    private Open open(String location) throws IOException {
        Backbone backbone = Backbones.load(location);
        try {
            long[] shape = backbone.cutShape();
            if (shape.length != 3 || !backbone.channelsLast()) {
                throw new IllegalArgumentException(location + " must be cut at a channels-last spatial layer with pool=none, its cut is " + Arrays.toString(shape));
            }
            log.printf("%s: cut %s %s, %s%n", backbone.info().name(), backbone.info().cutLayer(), Arrays.toString(shape), backbone.info().fingerprint());
            FeatureCache cache = FeatureCache.open(plan.cacheDir(), backbone.info().fingerprint(), backbone.info().featureSize());
            return new Open(backbone, cache, new Featurizer(backbone, 32), shape);
        } catch (IOException | RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    /** Featurizes through the cache and logs the rate of what it computed (the figure that bounds a run's budgets). */
    private Features featurize(Open o, Dataset data) {
        long t0 = System.nanoTime();
        Features f = o.featurizer().featurize(data, o.cache(), Progress.none());
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (f.computed() > 0) {
            log.printf(Locale.ROOT, "%s: featurized %d images in %.0f s (%.1f img/s), %d from the cache%n", o.backbone().info().name(), f.computed(),
                    seconds, f.computed() / Math.max(seconds, 1e-9), f.cached());
        }
        return f;
    }

    private List<Row> heads(Target target, Open o, Pooling pooling, int n, long seed, Features train, Features val, Features holdout) {
        String name = o.backbone().info().name();
        float[][] x = SpatialPooling.apply(train.x().toFloatMatrix(), o.shape(), pooling);
        float[][] vx = SpatialPooling.apply(val.x().toFloatMatrix(), o.shape(), pooling);
        float[][] hx = SpatialPooling.apply(holdout.x().toFloatMatrix(), o.shape(), pooling);
        long t0 = System.nanoTime();
        PrototypeHead proto = PrototypeHead.fit(x, train.y(), target.classes().size());
        Row protoRow = new Row(target.name(), name, pooling.toString(), "prototype", n, seed, proto.accuracy(hx, holdout.y()),
                (System.nanoTime() - t0) / 1e9, "-");
        // one scale for every input of the head, from the labelled rows only: random-weight features are orders of
        // magnitude larger than ImageNet ones, and a softmax head on them saturates before the budget is spent
        float scale = (float) (1 / rms(x));
        Features scaled = new Features(Nd4j.create(x).muli(scale), train.y(), train.labels(), 0, 0);
        Features scaledVal = new Features(Nd4j.create(vx).muli(scale), val.y(), val.labels(), 0, 0);
        Features scaledHold = new Features(Nd4j.create(hx).muli(scale), holdout.y(), holdout.labels(), 0, 0);
        try {
            Row softmax = select(target.name(), name, pooling.toString(), "softmax", n, seed, c -> {
                HeadConfig config = new HeadConfig(plan.head().hiddenLayers(), plan.head().dropout(), c.learningRate(), c.l2());
                HeadTrainer.Result r = HeadTrainer.train(scaled, config, plan.headTraining().withSeed(seed), Progress.none(), scaledVal);
                return new Fitted(r.head()::close, r.validationAccuracy(), r.epochLosses().size(), () -> HeadTrainer.evaluate(r.head(), scaledHold).accuracy());
            });
            log.println(RowLog.line(softmax));
            log.println(RowLog.line(protoRow));
            return List.of(softmax, protoRow);
        } finally {
            scaled.x().close();
            scaledVal.x().close();
            scaledHold.x().close();
        }
    }

    private static double rms(float[][] x) {
        double sum = 0;
        long count = 0;
        for (float[] row : x) {
            for (float v : row) {
                sum += (double) v * v;
            }
            count += row.length;
        }
        double rms = Math.sqrt(sum / Math.max(1, count));
        return rms > 0 ? rms : 1;
    }

    /** A network trained for one candidate: its best validation accuracy, the epoch count, and how to score the holdout. */
    private record Fitted(Runnable release, double validationAccuracy, int epochs, java.util.function.DoubleSupplier holdoutAccuracy) {
    }

    /** The selection rule of the experiment: every candidate trained with early stopping, the best on validation scored once. */
    private Row select(String target, String features, String pooling, String head, int n, long seed, Function<Selection.Candidate, Fitted> fit) {
        long t0 = System.nanoTime();
        Fitted best = null;
        Selection.Candidate chosen = null;
        try {
            for (Selection.Candidate c : plan.candidates()) {
                Fitted f = fit.apply(c);
                if (best == null || f.validationAccuracy() > best.validationAccuracy()) {
                    if (best != null) {
                        best.release().run();
                    }
                    best = f;
                    chosen = c;
                } else {
                    f.release().run();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Row(target, features, pooling, head, n, seed, best.holdoutAccuracy().getAsDouble(), seconds,
                    String.format(Locale.ROOT, "lr=%s l2=%s val=%.3f of %d epochs", chosen.learningRate(), chosen.l2(), best.validationAccuracy(), best.epochs()));
        } finally {
            if (best != null) {
                best.release().run();
            }
        }
    }

    /** The small CNN of the default backbone, trained end to end on the same images at their own size, same selection rule. */
    private List<Row> scratch(int n, List<Draw> draws, Dataset holdoutAll) {
        List<Row> rows = new ArrayList<>();
        var first = holdoutAll.images().get(0).image();
        ConvNets.Arch arch = ConvNets.Arch.small(first.height(), first.width(), first.channels());
        Preprocessor pre = new Preprocessor(PreprocessingSpec.unitScaled(arch.height(), arch.width(), arch.channels()));
        String features = "scratch (small CNN, " + arch.height() + " px)";
        for (Draw draw : draws) {
            for (Target target : plan.targets()) {
                NetworkTrainer.Tensors hold = NetworkTrainer.tensors(holdoutAll.withClasses(target.classes()), pre);
                NetworkTrainer.Tensors val = NetworkTrainer.tensors(draw.validation().withClasses(target.classes()), pre);
                NetworkTrainer.Tensors train = NetworkTrainer.tensors(draw.labelled(n, target.classes()), pre);
                try {
                    Row row = select(target.name(), features, "-", "end to end", n, draw.seed(), c -> {
                        ComputationGraph net = ConvNets.build(arch, target.classes().size(), c.learningRate(), c.l2(), draw.seed());
                        try {
                            Selection.Tracker tracker = Selection.track(net, m -> NetworkTrainer.evaluate((ComputationGraph) m, val).accuracy(), Progress.none(),
                                    Selection.updatesPerEpoch(train.y().length, plan.scratchTraining().batchSize()));
                            Selection.Stopped stop = tracker.restoreBest(NetworkTrainer.fit(net, train, plan.scratchTraining().withSeed(draw.seed()), tracker));
                            return new Fitted(net::close, stop.validationAccuracy(), stop.epochLosses().size(), () -> NetworkTrainer.evaluate(net, hold).accuracy());
                        } catch (RuntimeException | Error e) {
                            net.close();
                            throw e;
                        }
                    });
                    log.println(RowLog.line(row));
                    rows.add(row);
                } finally {
                    train.x().close();
                    val.x().close();
                    hold.x().close();
                }
            }
        }
        return rows;
    }

    /**
     * The one line per cell the experiment prints, and its reading back, so a stopped run or runs split over
     * processes (by backbone or budget) still give the report.
     */
    public static final class RowLog {
        private static final String TAG = "imported-row";

        private RowLog() {
        }

        static String line(Row r) {
            return String.join("\t", TAG, r.target(), r.features(), r.pooling(), r.head(), r.perClass() == 0 ? "all" : String.valueOf(r.perClass()),
                    String.valueOf(r.seed()), String.format(Locale.ROOT, "%.4f", r.accuracy()), String.format(Locale.ROOT, "%.2f", r.trainSeconds()), r.chosen());
        }

        /** The rows among {@code lines}; other lines are ignored, and a cell printed twice (a rerun) counts once. */
        public static List<Row> parse(List<String> lines) {
            Map<String, Row> out = new LinkedHashMap<>();
            for (String l : lines) {
                parse(l).ifPresent(r -> out.put(String.join("|", r.target(), r.features(), r.pooling(), r.head(), String.valueOf(r.perClass()),
                        String.valueOf(r.seed())), r));
            }
            return new ArrayList<>(out.values());
        }

        static Optional<Row> parse(String line) {
            String[] f = line.strip().split("\t");
            if (f.length != 10 || !f[0].equals(TAG)) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Row(f[1], f[2], f[3], f[4], f[5].equals("all") ? 0 : Integer.parseInt(f[5]), Long.parseLong(f[6]),
                        Double.parseDouble(f[7]), Double.parseDouble(f[8]), f[9]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
