package dev.streamclassify.model.inference.internal;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.inference.Rows;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HeadPassTest {

    /** Features like a backbone's after ReLU: non-negative, many zeros, a few large. */
    private static INDArray features(int rows, int size, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rows * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat() < 0.4f ? 0f : (float) Math.abs(random.nextGaussian() * 3);
        }
        return Nd4j.create(v, new long[]{rows, size}, 'c');
    }

    private static double maxDifference(MultiLayerNetwork head, INDArray features) {
        float[][] expected = Rows.of(head.output(features, false));
        float[][] actual = HeadPass.of(head).orElseThrow().apply(Rows.flat(features), expected.length);
        double max = 0;
        for (int r = 0; r < expected.length; r++) {
            assertThat(actual[r]).hasSize(expected[r].length);
            for (int j = 0; j < expected[r].length; j++) {
                max = Math.max(max, Math.abs(actual[r][j] - expected[r][j]));
            }
        }
        return max;
    }

    @Test
    void givesDl4jsSoftmaxRegressionProbabilitiesWithin1e6() {
        MultiLayerNetwork head = Heads.build(HeadConfig.DEFAULT, 864, 5, 7);

        assertThat(maxDifference(head, features(32, 864, 1))).isLessThanOrEqualTo(1e-6);
        assertThat(maxDifference(head, features(1, 864, 2))).isLessThanOrEqualTo(1e-6);
        // trained heads have larger weights than initial ones: confident rows test the softmax. Logits of ~60 carry
        // float rounding of ~8e-6 (one ulp) in DL4J's own pass, so that is the agreement to ask for there
        head.params().muli(20);
        assertThat(maxDifference(head, features(32, 864, 3))).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void givesDl4jsProbabilitiesThroughHiddenReluLayersWithDropoutOffAtInference() {
        MultiLayerNetwork head = Heads.build(HeadConfig.DEFAULT.withHiddenLayers(List.of(64, 16)).withDropout(0.5), 200, 10, 3);

        assertThat(maxDifference(head, features(32, 200, 4))).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void leavesHeadsWithOtherActivationsToDl4j() {
        MultiLayerNetwork head = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2).activation(Activation.SOFTMAX).build())
                .build());
        head.init();

        assertThat(HeadPass.of(head)).isEmpty();
    }
}
