package dev.streamclassify.model.testing;

import dev.streamclassify.model.artifact.BackboneRef;
import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.artifact.TrainingMetrics;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.image.PreprocessingSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small, fast, deterministic networks and model versions for tests of every module (shipped in the test-jar). */
public final class TestModels {

    public static final PreprocessingSpec MNIST_SPEC = PreprocessingSpec.unitScaled(28, 28, 1);
    public static final String CUT = "pool2";

    private TestModels() {
    }

    /** A randomly initialised tiny conv net (4/8 channels) as a DL4J model file. */
    public static byte[] tinyBackboneBytes(long seed) {
        ComputationGraph net = ConvNets.build(new ConvNets.Arch(28, 28, 1, 4, 8, 16, 0, false), 5, 1e-3, seed);
        try {
            return ModelBytes.of(net);
        } finally {
            net.close();
        }
    }

    public static Backbone tinyBackbone(long seed) {
        try {
            return Backbones.fromBytes("tiny-" + seed, tinyBackboneBytes(seed), CUT, MNIST_SPEC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A version with a randomly initialised head that fits {@code backbone}. */
    public static ModelVersion version(Backbone backbone, String name, long version, List<String> labels, long seed) {
        MultiLayerNetwork head = Heads.build(HeadConfig.DEFAULT, backbone.info().featureSize(), labels.size(), seed);
        try {
            return version(backbone, name, version, labels, RawParams.of(head.params()));
        } finally {
            head.close();
        }
    }

    /** A version whose head is {@link HeadConfig#DEFAULT} with the given raw parameters. */
    public static ModelVersion version(Backbone backbone, String name, long version, List<String> labels, byte[] headParams) {
        return version(backbone, name, version, labels, HeadConfig.DEFAULT, headParams);
    }

    public static ModelVersion version(Backbone backbone, String name, long version, List<String> labels, HeadConfig head,
                                       byte[] headParams) {
        return new ModelVersion(name, version, labels, backbone.info().preprocessing(), BackboneRef.of(backbone.info()),
                head, new TrainingMetrics(0.5, 10, 10, 1, 0.1, Map.of(), Map.of()),
                Instant.parse("2026-11-29T16:00:00Z"), headParams, Map.of());
    }
}
