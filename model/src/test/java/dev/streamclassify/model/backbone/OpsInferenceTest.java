package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.PreprocessingSpec;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inference-only path: the frozen backbone run as raw nd4j ops from the graph's own weights gives DL4J's layer
 * outputs within 1e-5 (relative to max(1, max |output|)), on real images and on noise, for the default backbone and the
 * real ImageNet MobileNetV2; a network it cannot translate keeps DL4J's forward pass.
 */
class OpsInferenceTest {

    @Test
    void defaultBackboneServesThroughNd4jOpsWithDl4jsOutputs() throws IOException {
        try (Backbone backbone = Backbones.loadDefault()) {
            assertThat(backbone.inference().path()).as("%s", backbone.inference()).isEqualTo(Backbone.Inference.OPS);
            assertSameFeatures(backbone, batches(backbone.info().preprocessing()));
        }
    }

    @Test
    void mobileNetV2ServesThroughNd4jOpsWithDl4jsOutputs() throws IOException {
        Path descriptor = MobileNetV2Files.modelJson().resolveSibling("backbone.json");
        try (Backbone backbone = Backbones.fromDescriptor(descriptor)) {
            assertThat(backbone.inference().path()).as("%s", backbone.inference()).isEqualTo(Backbone.Inference.OPS);
            // every batch norm follows a convolution and the stride-2 convolutions are zero-padded: all folded away
            assertThat(backbone.inference().detail()).doesNotContain(" 0 batch normalizations").doesNotContain(" 0 zero paddings");
            assertSameFeatures(backbone, batches(backbone.info().preprocessing()));
        }
    }

    @Test
    void mobileNetV2AtAnOddSizeWhereSamePaddingDiffersPadsExplicitlyAndKeepsDl4jsOutputs() throws IOException {
        // at 97 px SAME padding of a stride-2 3x3 convolution is (1, 1), not the graph's (0, 1): the folded padding
        // must fall back to padding the input itself
        try (Backbone backbone = Backbones.load("tfjs:" + MobileNetV2Files.modelJson() + "#block_3_project_BN?pool=global&size=97")) {
            assertThat(backbone.inference().path()).as("%s", backbone.inference()).isEqualTo(Backbone.Inference.OPS);
            assertThat(backbone.inference().detail()).doesNotContain(" 0 zero paddings");
            assertSameFeatures(backbone, batches(backbone.info().preprocessing()));
        }
    }

    @Test
    void mobileNetV2UpToOutReluServesThroughNd4jOpsWithDl4jsOutputs() throws IOException {
        try (Backbone backbone = Backbones.load("tfjs:" + MobileNetV2Files.modelJson() + "#" + MobileNetV2Files.OUT_RELU + "?pool=global&size=96")) {
            assertThat(backbone.inference().path()).as("%s", backbone.inference()).isEqualTo(Backbone.Inference.OPS);
            assertSameFeatures(backbone, batches(backbone.info().preprocessing()));
        }
    }

    @Test
    void nd4jOpPassesOnSeveralThreadsAtOnceEachGetTheirOwnBatchsFeatures() throws Exception {
        try (Backbone backbone = Backbones.loadDefault()) {
            PreprocessingSpec spec = backbone.info().preprocessing();
            List<INDArray> inputs = new ArrayList<>();
            List<INDArray> expected = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Nd4j.getRandom().setSeed(100 + t);
                INDArray batch = Nd4j.rand(DataType.FLOAT, 4 + t, spec.channels(), spec.height(), spec.width());
                inputs.add(batch);
                expected.add(backbone.features(batch));
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Double>> worst = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int mine = t;
                    worst.add(pool.submit(() -> {
                        double max = 0;
                        for (int i = 0; i < 30; i++) {
                            try (INDArray got = backbone.features(inputs.get(mine))) {
                                max = Math.max(max, got.sub(expected.get(mine)).amaxNumber().doubleValue());
                            }
                        }
                        return max;
                    }));
                }
                for (Future<Double> w : worst) {
                    assertThat(w.get(2, TimeUnit.MINUTES)).isLessThanOrEqualTo(1e-6);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void networkWithAnUntranslatedLayerKeepsDl4jsForwardPass() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "conv")
                .setOutputs("lrn")
                .build());
        graph.init();
        try (Backbone backbone = Backbone.of(graph, "lrn-net", "sha256:test", "lrn", PreprocessingSpec.unitScaled(12, 12, 1))) {
            assertThat(backbone.inference().path()).isEqualTo(Backbone.Inference.LAYERS);
            assertThat(backbone.inference().detail()).contains("lrn");
            INDArray batch = Nd4j.rand(2, 1, 12, 12);
            assertThat(backbone.features(batch)).isEqualTo(backbone.layerFeatures(batch));
        }
    }

    /** Noise in the preprocessed range, and the committed reference PNGs through the product's preprocessing. */
    private static List<INDArray> batches(PreprocessingSpec spec) throws IOException {
        List<INDArray> out = new ArrayList<>();
        Random random = new Random(7);
        for (int n : new int[]{1, 5}) {
            float[] v = new float[n * spec.channels() * spec.height() * spec.width()];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextFloat();
            }
            out.add(Nd4j.create(v, new long[]{n, spec.channels(), spec.height(), spec.width()}, 'c'));
        }
        Preprocessor pre = new Preprocessor(spec);
        List<float[]> images = new ArrayList<>();
        try (Stream<Path> pngs = Files.list(MobileNetV2Files.referenceDir().resolve("images"))) {
            for (Path png : pngs.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                images.add(pre.fromEncoded(Files.readAllBytes(png)));
            }
        } catch (dev.streamclassify.model.image.ImageRejectedException e) {
            throw new AssertionError(e);
        }
        assertThat(images).hasSizeGreaterThanOrEqualTo(4);
        INDArray real = Nd4j.create(images.size(), spec.channels(), spec.height(), spec.width());
        for (int i = 0; i < images.size(); i++) {
            real.putSlice(i, Nd4j.create(images.get(i), new long[]{spec.channels(), spec.height(), spec.width()}, 'c'));
        }
        out.add(real);
        return out;
    }

    private static void assertSameFeatures(Backbone backbone, List<INDArray> batches) {
        for (INDArray batch : batches) {
            INDArray expected = backbone.layerFeatures(batch);
            INDArray actual = backbone.features(batch);
            assertThat(actual.shape()).isEqualTo(expected.shape());
            double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
            double diff = actual.sub(expected).amaxNumber().doubleValue() / scale;
            assertThat(diff).as("%s, batch of %d: max difference / max(1, max |out| = %.2f)", backbone.info().name(),
                    batch.size(0), scale).isLessThanOrEqualTo(Backbone.OPS_TOLERANCE);
            assertThat(expected.amaxNumber().doubleValue()).as("features are not all zero").isGreaterThan(0.0);
        }
    }
}
