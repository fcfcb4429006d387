package dev.streamclassify.model.backbone;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The small CNN family our own backbones are made of: conv(5x5)-pool-conv(5x5)-pool-dense-softmax with named
 * layers {@code conv1 pool1 conv2 pool2 dense output}. Built with {@code InputType.convolutional} (not
 * convolutionalFlat) so that featurized training works (see DESIGN.md, DL4J trap).
 */
public final class ConvNets {

    public static final String INPUT = "input";

    /** Shape and regularisation of the network; widths are the two conv layers' channel counts. */
    public record Arch(int height, int width, int channels, int conv1, int conv2, int dense, double dropout, boolean batchNorm) {

        public static Arch small(int height, int width, int channels) {
            return new Arch(height, width, channels, 32, 64, 128, 0.0, false);
        }

        public Arch withWidths(int c1, int c2) {
            return new Arch(height, width, channels, c1, c2, dense, dropout, batchNorm);
        }

        public Arch withDropout(double p) {
            return new Arch(height, width, channels, conv1, conv2, dense, p, batchNorm);
        }

        public Arch withBatchNorm(boolean on) {
            return new Arch(height, width, channels, conv1, conv2, dense, dropout, on);
        }
    }

    private ConvNets() {
    }

    public static ComputationGraph build(Arch arch, int numClasses, double learningRate, long seed) {
        return build(arch, numClasses, learningRate, 0.0, seed);
    }

    /** @param l2 L2 penalty on every layer's weights, so a from-scratch baseline gets the regularisation heads get */
    public static ComputationGraph build(Arch arch, int numClasses, double learningRate, double l2, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .l2(l2)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(arch.height(), arch.width(), arch.channels()));
        String prev = INPUT;
        prev = conv(g, "conv1", arch.conv1(), prev, arch.batchNorm());
        g.addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
        prev = conv(g, "conv2", arch.conv2(), "pool1", arch.batchNorm());
        g.addLayer("pool2", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
        DenseLayer.Builder dense = new DenseLayer.Builder().nOut(arch.dense()).activation(Activation.RELU);
        if (arch.dropout() > 0) {
            dense.dropOut(1.0 - arch.dropout());
        }
        g.addLayer("dense", dense.build(), "pool2");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(numClasses).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "dense");
        g.setOutputs("output");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static String conv(ComputationGraphConfiguration.GraphBuilder g, String name, int channels, String input, boolean batchNorm) {
        g.addLayer(name, new ConvolutionLayer.Builder(5, 5).stride(1, 1).nOut(channels)
                .activation(batchNorm ? Activation.IDENTITY : Activation.RELU).build(), input);
        if (!batchNorm) {
            return name;
        }
        g.addLayer(name + "_bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), name);
        return name + "_bn";
    }
}
