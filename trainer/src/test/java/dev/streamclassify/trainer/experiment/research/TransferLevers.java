package dev.streamclassify.trainer.experiment.research;

import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.DataSources;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.FractalDataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.training.Progress;
import dev.streamclassify.trainer.training.TrainSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Research driver (not a test): measures transfer levers on Fashion-MNIST 0-4 -> 5-9 exactly as
 * {@code ExperimentRunner} does (same sampling, head settings TrainSettings(20,64,300,seed), scratch
 * TrainSettings(2,64,150,seed), random control ConvNets.build(arch, 2, 1e-3, 1000 + seed)), appending one line per
 * trial to {@code results.tsv} in the output directory.
 *
 * <pre>
 * modes:
 *   montage OUT.png CLASSES PER_CLASS SEED
 *   scratch OUTDIR SEEDS
 *   random OUTDIR SEEDS
 *   eval OUTDIR SEEDS NAME BACKBONE.zip
 *   pretrain-fractal OUTDIR CLASSES PER_CLASS EPOCHS SEED [WIDTH1 WIDTH2]
 *   pretrain-fashion OUTDIR EPOCHS SHIFT_AUG(0|1)
 *   pretrain-mixed OUTDIR CLASSES PER_CLASS EPOCHS      (fashion 0-4 + fractals in one softmax)
 *   summary OUTDIR
 * </pre>
 */
public final class TransferLevers {

    static final int[] PER_CLASS = {5, 20};
    static final List<String> CUTS = List.of("pool1", "pool2");
    static final Map<String, HeadConfig> HEADS = new LinkedHashMap<>();

    static {
        HEADS.put("softmax", HeadConfig.DEFAULT);
        HEADS.put("hidden256", new HeadConfig(List.of(256), 0.25, 1e-3, 1e-4));
        HEADS.put("l2norm-softmax", HeadConfig.DEFAULT); // rows scaled to unit RMS before the same softmax head
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        String mode = args[0];
        long t0 = System.nanoTime();
        switch (mode) {
            case "montage" -> montage(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
            case "scratch" -> scratch(Path.of(args[1]), Integer.parseInt(args[2]));
            case "random" -> random(Path.of(args[1]), Integer.parseInt(args[2]));
            case "eval" -> eval(Path.of(args[1]), Integer.parseInt(args[2]), args[3], Files.readAllBytes(Path.of(args[4])));
            case "pretrain-fractal" -> pretrainFractal(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Long.parseLong(args[5]), args.length > 7 ? Integer.parseInt(args[6]) : 32,
                    args.length > 7 ? Integer.parseInt(args[7]) : 64);
            case "pretrain-fashion" -> pretrainFashion(Path.of(args[1]), Integer.parseInt(args[2]), args[3].equals("1"));
            case "pretrain-mixed" -> pretrainMixed(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "summary" -> summary(Path.of(args[1]));
            default -> throw new IllegalArgumentException(mode);
        }
        System.out.printf("%s done in %.0f s%n", mode, (System.nanoTime() - t0) / 1e9);
    }

    // ---------------------------------------------------------------- data

    record Target(Dataset pool, Dataset holdout) {
    }

    static Target target() throws IOException {
        Dataset train = FashionMnist.train(FashionMnist.DEBIAN_DIR);
        Dataset test = FashionMnist.test(FashionMnist.DEBIAN_DIR);
        List<String> t = DataSources.classes("5-9", train.labels());
        return new Target(train.withClasses(t), test.withClasses(t));
    }

    static ConvNets.Arch arch() {
        return ConvNets.Arch.small(28, 28, 1);
    }

    static PreprocessingSpec spec() {
        return PreprocessingSpec.unitScaled(28, 28, 1);
    }

    // ---------------------------------------------------------------- measuring

    static void scratch(Path out, int seeds) throws IOException {
        Target t = target();
        Preprocessor pre = new Preprocessor(spec());
        NetworkTrainer.Tensors hold = NetworkTrainer.tensors(t.holdout(), pre);
        for (long seed = 0; seed < seeds; seed++) {
            for (int n : PER_CLASS) {
                if (recorded(out, "scratch\t-\t-\t" + n + "\t" + seed + "\t")) {
                    continue;
                }
                Dataset sample = t.pool().samplePerClass(n, seed);
                long t0 = System.nanoTime();
                try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch(), 5, 1e-3, seed))) {
                    NetworkTrainer.fit(net.net(), NetworkTrainer.tensors(sample, pre), new TrainSettings(2, 64, 150, seed), Progress.none());
                    double acc = NetworkTrainer.evaluate(net.net(), hold).accuracy();
                    record(out, "scratch", "-", "-", n, seed, acc, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }

    static void random(Path out, int seeds) throws IOException {
        Target t = target();
        for (long seed = 0; seed < seeds; seed++) {
            byte[] bytes;
            try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(arch(), 2, 1e-3, 1000 + seed))) {
                bytes = ModelBytes.of(net.net());
            }
            for (String cut : CUTS) {
                heads(out, "random-frozen", cut, bytes, t, List.of(seed));
            }
        }
    }

    static void eval(Path out, int seeds, String name, byte[] bytes) throws IOException {
        Target t = target();
        List<Long> s = new ArrayList<>();
        for (long i = 0; i < seeds; i++) {
            s.add(i);
        }
        for (String cut : CUTS) {
            heads(out, name, cut, bytes, t, s);
        }
    }

    static void heads(Path out, String name, String cut, byte[] bytes, Target t, List<Long> seeds) throws IOException {
        try (Backbone bb = Backbones.fromBytes(name, bytes, cut, spec())) {
            FeatureCache cache = FeatureCache.inMemory(bb.info().featureSize());
            Featurizer f = new Featurizer(bb, 128);
            long t0 = System.nanoTime();
            Features hold = f.featurize(t.holdout(), cache, Progress.none());
            System.out.printf("%s@%s: %d features, holdout featurized in %.1f s, dead units %d%n", name, cut, bb.info().featureSize(),
                    (System.nanoTime() - t0) / 1e9, deadUnits(hold.x()));
            for (long seed : seeds) {
                for (int n : PER_CLASS) {
                    Features train = f.featurize(t.pool().samplePerClass(n, seed), cache, Progress.none());
                    for (Map.Entry<String, HeadConfig> h : HEADS.entrySet()) {
                        boolean norm = h.getKey().startsWith("l2norm");
                        Features tr = norm ? normalised(train) : train;
                        Features ho = norm ? normalised(hold) : hold;
                        HeadTrainer.Result r = HeadTrainer.train(tr, h.getValue(), new TrainSettings(20, 64, 300, seed), Progress.none());
                        try (Owned<MultiLayerNetwork> head = Owned.of(r.head())) {
                            double acc = HeadTrainer.evaluate(head.net(), ho).accuracy();
                            record(out, name, cut, h.getKey(), n, seed, acc, r.seconds());
                        }
                    }
                }
            }
        }
    }

    static int deadUnits(INDArray x) {
        INDArray max = x.max(0);
        int dead = 0;
        for (long i = 0; i < max.length(); i++) {
            if (max.getDouble(i) <= 0) {
                dead++;
            }
        }
        return dead;
    }

    /** Each row scaled to unit root-mean-square (L2 norm sqrt(D)). */
    static Features normalised(Features f) {
        INDArray x = f.x().dup();
        INDArray norms = x.norm2(1).reshape(x.size(0), 1).addi(1e-8).divi(Math.sqrt(x.size(1)));
        x.diviColumnVector(norms);
        return new Features(x, f.y(), f.labels(), f.computed(), f.cached());
    }

    static boolean recorded(Path out, String prefix) throws IOException {
        Path f = out.resolve("results.tsv");
        return Files.exists(f) && Files.readAllLines(f).stream().anyMatch(l -> l.startsWith(prefix));
    }

    static synchronized void record(Path out, String backbone, String cut, String head, int n, long seed, double acc, double secs) throws IOException {
        String line = String.join("\t", backbone, cut, head, String.valueOf(n), String.valueOf(seed), String.format("%.4f", acc),
                String.format("%.1f", secs)) + "\n";
        System.out.print(line);
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.tsv"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    // ---------------------------------------------------------------- pre-training

    static void pretrainFractal(Path out, int classes, int perClass, int epochs, long seed, int w1, int w2) throws IOException {
        long g0 = System.nanoTime();
        Dataset all = FractalDataset.generate(classes, perClass, 28, seed);
        System.out.printf("generated %d fractal images in %.1f s%n", all.size(), (System.nanoTime() - g0) / 1e9);
        String name = "fractal" + classes + "x" + perClass + "-e" + epochs + (w1 != 32 ? "-w" + w1 + "x" + w2 : "");
        pretrain(out, name, all, arch().withWidths(w1, w2), epochs, false);
    }

    static void pretrainFashion(Path out, int epochs, boolean shifts) throws IOException {
        Dataset train = FashionMnist.train(FashionMnist.DEBIAN_DIR);
        Dataset src = train.withClasses(DataSources.classes("0-4", train.labels()));
        pretrain(out, "fashion0-4-e" + epochs + (shifts ? "-shift" : ""), src, arch(), epochs, shifts);
    }

    static void pretrainMixed(Path out, int classes, int perClass, int epochs) throws IOException {
        Dataset train = FashionMnist.train(FashionMnist.DEBIAN_DIR);
        Dataset src = train.withClasses(DataSources.classes("0-4", train.labels()));
        Dataset all = src.concat(FractalDataset.generate(classes, perClass, 28, 1));
        pretrain(out, "mixed-fashion0-4+fractal" + classes + "x" + perClass + "-e" + epochs, all, arch(), epochs, false);
    }

    /** Same recipe as ExperimentRunner.pretrain (dropout 0.25, Adam 1e-3, batch 64, seed 7) plus a 10% source holdout. */
    static void pretrain(Path out, String name, Dataset source, ConvNets.Arch arch, int epochs, boolean shifts) throws IOException {
        Preprocessor pre = new Preprocessor(spec());
        Dataset.Split split = source.stratifiedSplit(0.1, 7);
        long t0 = System.nanoTime();
        try (Owned<ComputationGraph> owned = Owned.of(ConvNets.build(arch.withDropout(0.25), source.labels().size(), 1e-3, 7))) {
            ComputationGraph net = owned.net();
            NetworkTrainer.Tensors hold = NetworkTrainer.tensors(split.holdout(), pre);
            for (int e = 1; e <= epochs; e++) {
                Dataset epochData = shifts ? shifted(split.train(), 1000L * e) : split.train();
                List<Double> loss = NetworkTrainer.fit(net, NetworkTrainer.tensors(epochData, pre), new TrainSettings(1, 64, 0, 7 + e), Progress.none());
                System.out.printf("%s epoch %d/%d loss %.4f holdout %.4f (%.0f s)%n", name, e, epochs, loss.get(0),
                        NetworkTrainer.evaluate(net, hold).accuracy(), (System.nanoTime() - t0) / 1e9);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double acc = NetworkTrainer.evaluate(net, hold).accuracy();
            Files.createDirectories(out);
            Path zip = out.resolve(name + ".zip");
            Files.write(zip, ModelBytes.of(net));
            String note = String.format("%s\t%d classes\t%d train images\t%d epochs\t%.0f s\tsource holdout %.4f\t%s%n", name,
                    source.labels().size(), split.train().size(), epochs, secs, acc, zip);
            System.out.print(note);
            Files.writeString(out.resolve("backbones.tsv"), note, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** Random shifts of up to 2 pixels (zero fill), a fresh draw per epoch. */
    static Dataset shifted(Dataset d, long seed) {
        Random rnd = new Random(seed);
        List<LabelledImage> out = new ArrayList<>(d.size());
        for (LabelledImage im : d.images()) {
            RawImage r = im.image();
            int dx = rnd.nextInt(5) - 2;
            int dy = rnd.nextInt(5) - 2;
            byte[] px = new byte[r.pixels().length];
            for (int y = 0; y < r.height(); y++) {
                int sy = y - dy;
                if (sy < 0 || sy >= r.height()) {
                    continue;
                }
                for (int x = 0; x < r.width(); x++) {
                    int sx = x - dx;
                    if (sx >= 0 && sx < r.width()) {
                        px[y * r.width() + x] = r.pixels()[sy * r.width() + sx];
                    }
                }
            }
            out.add(new LabelledImage(im.label(), new RawImage(r.width(), r.height(), 1, px)));
        }
        return new Dataset(d.labels(), out);
    }

    // ---------------------------------------------------------------- reporting

    static void montage(Path png, int classes, int perClass, long seed) throws IOException {
        Dataset d = FractalDataset.generate(classes, perClass, 28, seed);
        int w = perClass * 29;
        int h = classes * 29;
        byte[] px = new byte[w * h];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                RawImage r = d.images().get(c * perClass + i).image();
                for (int y = 0; y < 28; y++) {
                    System.arraycopy(r.pixels(), y * 28, px, (c * 29 + y) * w + i * 29, 28);
                }
            }
        }
        Files.write(png, ImageEncoder.png(new RawImage(w, h, 1, px)));
    }

    static void summary(Path out) throws IOException {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve("results.tsv"))) {
            String[] f = line.split("\t");
            groups.computeIfAbsent(f[0] + "\t" + f[1] + "\t" + f[2] + "\t" + f[3], k -> new ArrayList<>()).add(Double.parseDouble(f[5]));
        }
        System.out.println("backbone\tcut\thead\tN\tseeds\tmean\t95%CI");
        for (Map.Entry<String, List<Double>> e : groups.entrySet()) {
            List<Double> v = e.getValue();
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
            double half = v.size() > 1 ? t975(v.size() - 1) * Math.sqrt(var / v.size()) : 0;
            System.out.printf("%s\t%d\t%.1f\t±%.1f%n", e.getKey(), v.size(), 100 * mean, 100 * half);
        }
    }

    static double t975(int df) {
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262};
        return df <= t.length ? t[df - 1] : 1.96;
    }

    @SuppressWarnings("unused")
    private static INDArray unused() {
        return Nd4j.zeros(1);
    }
}
