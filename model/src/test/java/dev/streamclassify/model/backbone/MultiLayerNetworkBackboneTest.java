package dev.streamclassify.model.backbone;

import dev.streamclassify.model.artifact.ModelBytes;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A MultiLayerNetwork file: converted to a graph whose vertices keep the network's layer names. */
class MultiLayerNetworkBackboneTest extends BackboneSourceContract {

    private static final String CUT = "pool1";

    private static MultiLayerNetwork net;
    private static byte[] modelBytes;

    @BeforeAll
    static void buildNetwork() {
        net = lenetLike(true);
        modelBytes = ModelBytes.of(net);
    }

    @AfterAll
    static void closeNetwork() {
        net.close();
    }

    @Override
    protected Backbone load() throws Exception {
        return Backbones.fromBytes("mln", modelBytes, CUT, TestModels.MNIST_SPEC);
    }

    @Test
    void keepsTheLayerNamesOfTheNetwork() throws Exception {
        assertThat(Backbone.layerNames(open().graph())).containsSubsequence("conv1", "pool1", "dense", "output");
    }

    @Test
    void cutsWhereTheNetworkNamesItsLayer() throws Exception {
        Backbone backbone = open();
        INDArray input = batch(TestModels.MNIST_SPEC, 2, 11);

        INDArray features = backbone.features(input);

        // feedForwardToLayer: index 0 is the input, index i + 1 the output of layer i (pool1 is layer 1)
        INDArray expected = net.feedForwardToLayer(1, input, false).get(2).reshape('c', 2, -1);
        assertThat(backbone.info().featureSize()).isEqualTo(4 * 12 * 12);
        assertThat(features.toFloatMatrix()[1]).containsExactly(expected.toFloatMatrix()[1], within(1e-5f));
    }

    @Test
    void cutsAtDefaultLayerNamesOfAnUnnamedNetwork() throws Exception {
        MultiLayerNetwork unnamed = lenetLike(false);
        try (Backbone backbone = Backbones.fromBytes("unnamed", ModelBytes.of(unnamed), "layer2", TestModels.MNIST_SPEC)) {
            assertThat(backbone.info().featureSize()).isEqualTo(16);
        } finally {
            unnamed.close();
        }
    }

    private static MultiLayerNetwork lenetLike(boolean named) {
        List<String> names = named ? List.of("conv1", "pool1", "dense", "output") : Arrays.asList(null, null, null, null);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).name(names.get(0)).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).name(names.get(1)).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name(names.get(2)).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name(names.get(3)).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork mln = new MultiLayerNetwork(conf);
        mln.init();
        return mln;
    }
}
