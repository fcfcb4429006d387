package dev.streamclassify.model.head;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds the new classifier that sits on a backbone's features. */
public final class Heads {

    private Heads() {
    }

    /**
     * How many parameters {@link #build} creates, computed without allocating any: a model version's raw weights are
     * checked against it before a network is built, so a hostile config cannot make us allocate more than it sent.
     */
    public static long paramCount(HeadConfig config, int featureSize, int numClasses) {
        long count = 0;
        long nIn = featureSize;
        for (int size : config.hiddenLayers()) {
            count = Math.addExact(count, Math.addExact(Math.multiplyExact(nIn, size), size));
            nIn = size;
        }
        return Math.addExact(count, Math.addExact(Math.multiplyExact(nIn, numClasses), numClasses));
    }

    public static MultiLayerNetwork build(HeadConfig config, int featureSize, int numClasses, long seed) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels, got " + numClasses);
        }
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(config.learningRate()))
                .weightInit(WeightInit.XAVIER)
                .l2(config.l2())
                .list();
        int nIn = featureSize;
        int i = 0;
        for (int size : config.hiddenLayers()) {
            DenseLayer.Builder dense = new DenseLayer.Builder().name("head_dense" + i++).nIn(nIn).nOut(size).activation(Activation.RELU);
            if (config.dropout() > 0) {
                dense.dropOut(1.0 - config.dropout());
            }
            list.layer(dense.build());
            nIn = size;
        }
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .name("head_output").nIn(nIn).nOut(numClasses).activation(Activation.SOFTMAX);
        if (config.dropout() > 0) {
            out.dropOut(1.0 - config.dropout());
        }
        MultiLayerConfiguration conf = list.layer(out.build()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
