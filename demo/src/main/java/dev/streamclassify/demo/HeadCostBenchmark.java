package dev.streamclassify.demo;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.trainer.dataset.FashionMnist;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What each extra (shadow or canary) head costs: images/s of one backbone pass feeding 1, 2, 3 and 5 heads on the
 * default backbone, batch 32, on the committed sample. A benchmark, not a test: figures depend on the machine and its load.
 * <p>{@code java -cp demo/target/classes:$(mvn -q -pl demo dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
 *   dev.streamclassify.demo.HeadCostBenchmark [SECONDS]}
 */
public final class HeadCostBenchmark {

    private HeadCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        Path features = Files.createTempDirectory("head-cost-features");
        try (Backbone backbone = Backbones.loadDefault()) {
            // a head's cost does not depend on its weights: five copies of one trained head cost what five versions would
            ModelVersion version = LocalStack.trainVersion(backbone, features, 1, 1).version();
            Preprocessor pre = new Preprocessor(version.preprocessing());
            List<float[]> inputs = new ArrayList<>();
            for (var img : FashionMnist.sampleTest().images().subList(0, 32)) {
                inputs.add(pre.apply(img.image()));
            }
            List<Classifier> heads = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    heads.add(Classifier.load(version, backbone));
                }
                INDArray batch = Batch.of(pre.spec(), inputs);
                double base = 0;
                System.out.printf(Locale.ROOT, "%-6s %12s %14s%n", "heads", "images/s", "vs 1 head");
                for (int n : new int[]{1, 2, 3, 5, 1}) {
                    double rate = rate(heads.subList(0, n), batch, seconds);
                    base = n == 1 && base == 0 ? rate : base;
                    System.out.printf(Locale.ROOT, "%-6d %12.1f %13.1f%%%n", n, rate, 100 * (rate / base - 1));
                }
            } finally {
                heads.forEach(Classifier::close);
            }
        }
    }

    private static double rate(List<Classifier> heads, INDArray batch, double seconds) {
        for (int i = 0; i < 5; i++) {
            Classifier.probabilitiesOfEach(heads, batch);
        }
        long start = System.nanoTime();
        long images = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            Classifier.probabilitiesOfEach(heads, batch);
            images += batch.size(0);
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }
}
