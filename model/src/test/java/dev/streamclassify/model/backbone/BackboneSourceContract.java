package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * What every backbone source (DL4J file, MultiLayerNetwork file, zoo download, Keras import) must guarantee. A source
 * joins the kit by extending this class and saying how to load its backbone; each call must load afresh.
 */
public abstract class BackboneSourceContract {

    private final List<Backbone> opened = new ArrayList<>();

    /** Loads a new instance of the backbone under test; the kit closes it. */
    protected abstract Backbone load() throws Exception;

    protected final Backbone open() throws Exception {
        return track(load());
    }

    /** Hands a backbone a test loaded itself to the kit, which closes it after the test. */
    protected final Backbone track(Backbone b) {
        opened.add(b);
        return b;
    }

    @AfterEach
    final void closeOpenedBackbones() {
        opened.forEach(Backbone::close);
        opened.clear();
    }

    @Test
    void identifiesItselfByASha256Fingerprint() throws Exception {
        assertThat(open().info().fingerprint()).matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void yieldsAPositiveFeatureSize() throws Exception {
        assertThat(open().info().featureSize()).isPositive();
    }

    @Test
    void givesOneFeatureRowPerImage() throws Exception {
        Backbone backbone = open();

        INDArray features = backbone.features(batch(backbone.info().preprocessing(), 3, 1));

        assertThat(features.shape()).containsExactly(3, backbone.info().featureSize());
    }

    @Test
    void givesIdenticalFeaturesForTheSameInput() throws Exception {
        Backbone backbone = open();
        INDArray input = batch(backbone.info().preprocessing(), 2, 2);

        INDArray first = backbone.features(input).dup();
        backbone.features(batch(backbone.info().preprocessing(), 4, 3));
        INDArray second = backbone.features(input);

        assertThat(second).isEqualTo(first);
    }

    @Test
    void givesAnImageTheSameFeaturesWhateverItsBatch() throws Exception {
        Backbone backbone = open();
        INDArray input = batch(backbone.info().preprocessing(), 3, 4);

        float[] inBatch = backbone.features(input).getRow(1).toFloatVector();
        float[] alone = backbone.features(input.get(NDArrayIndex.interval(1, 2)).dup()).getRow(0).toFloatVector();

        assertThat(alone).containsExactly(inBatch, within(1e-4f));
    }

    @Test
    void keepsItsFingerprintAcrossLoads() throws Exception {
        assertThat(open().info().fingerprint()).isEqualTo(open().info().fingerprint());
    }

    @Test
    void refusesWorkOnceClosed() throws Exception {
        Backbone backbone = open();
        INDArray input = batch(backbone.info().preprocessing(), 1, 5);

        backbone.close();
        backbone.close();

        assertThatThrownBy(() -> backbone.features(input)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    /** Random pixels in [0, 1), shaped {@code [n, channels, height, width]} for {@code spec}. */
    protected static INDArray batch(PreprocessingSpec spec, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, spec.channels(), spec.height(), spec.width());
    }
}
