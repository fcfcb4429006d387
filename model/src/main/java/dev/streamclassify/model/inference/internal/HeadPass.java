package dev.streamclassify.model.inference.internal;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A head's inference pass as plain Java arithmetic on weights copied once at load: product, bias, activation per
 * layer. Why: a head is a few KB of weights, and {@code MultiLayerNetwork.output} spent ~1 ms per call on per-call
 * machinery and a broadcast bias add around a product of ~0.05 ms, so every shadow or canary head cost 14-22% of
 * throughput on the default backbone (docs/benchmarks.md). Products are summed in double and each layer's output is
 * rounded to float like DL4J's, so overflow still turns into infinity and NaN as in DL4J and the warm-up canary refuses
 * the same versions; {@code HeadPassTest} checks the probabilities against DL4J's. Immutable, so thread-safe.
 */
public final class HeadPass {

    private enum Function { IDENTITY, RELU, SOFTMAX }

    /** {@code weights} row-major {@code [in, out]}, as DL4J stores a dense layer's W. */
    private record Dense(int in, int out, float[] weights, float[] bias, Function function) {
    }

    private final List<Dense> layers;

    private HeadPass(List<Dense> layers) {
        this.layers = layers;
    }

    /**
     * The pass for {@code head}, or empty when a layer is not a dense or output layer with an identity, ReLU or
     * softmax activation (or dropout applies at inference): then DL4J's own pass is used.
     */
    public static Optional<HeadPass> of(MultiLayerNetwork head) {
        List<Dense> layers = new ArrayList<>();
        for (Layer layer : head.getLayers()) {
            var conf = layer.conf().getLayer();
            if (!(conf instanceof DenseLayer || conf instanceof OutputLayer) || !(conf instanceof BaseLayer base)
                    || (conf instanceof DenseLayer d && !d.hasBias()) || (conf instanceof OutputLayer o && !o.hasBias())) {
                return Optional.empty();
            }
            Function function = function(base.getActivationFn());
            if (function == null) {
                return Optional.empty();
            }
            var w = layer.getParam("W");
            var b = layer.getParam("b");
            int in = Math.toIntExact(w.size(0));
            int out = Math.toIntExact(w.size(1));
            float[] weights = w.dup('c').data().asFloat();
            float[] bias = b.dup('c').data().asFloat();
            if (weights.length != in * out || bias.length != out) {
                return Optional.empty();
            }
            layers.add(new Dense(in, out, weights, bias, function));
        }
        return layers.isEmpty() ? Optional.empty() : Optional.of(new HeadPass(List.copyOf(layers)));
    }

    private static Function function(IActivation a) {
        if (a instanceof ActivationSoftmax) {
            return Function.SOFTMAX;
        }
        if (a instanceof ActivationIdentity) {
            return Function.IDENTITY;
        }
        if (a instanceof ActivationReLU r && r.getMax() == null && zeroOrUnset(r.getThreshold()) && zeroOrUnset(r.getNegativeSlope())) {
            return Function.RELU;
        }
        return null;
    }

    private static boolean zeroOrUnset(Double d) {
        return d == null || d == 0.0;
    }

    /** Number of features each row of input must have. */
    public int inputSize() {
        return layers.get(0).in();
    }

    /**
     * @param features {@code rows x inputSize()} values, row-major
     * @return each row's outputs of the last layer
     */
    public float[][] apply(float[] features, int rows) {
        if (features.length != (long) rows * inputSize()) {
            throw new IllegalArgumentException("expected " + rows + " x " + inputSize() + " features, got " + features.length);
        }
        float[][] out = new float[rows][];
        double[] acc = new double[layers.stream().mapToInt(Dense::out).max().orElseThrow()];
        float[] x = new float[inputSize()];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(features, r * x.length, x, 0, x.length);
            float[] row = x;
            for (Dense d : layers) {
                row = layer(d, row, acc);
            }
            out[r] = row;
        }
        return out;
    }

    private static float[] layer(Dense d, float[] x, double[] acc) {
        int out = d.out();
        for (int j = 0; j < out; j++) {
            acc[j] = d.bias()[j];
        }
        float[] w = d.weights();
        for (int k = 0; k < d.in(); k++) {
            double xk = x[k];
            if (xk == 0) {
                continue; // ReLU features are often zero
            }
            int base = k * out;
            for (int j = 0; j < out; j++) {
                acc[j] += xk * w[base + j];
            }
        }
        float[] y = new float[out];
        switch (d.function()) {
            case IDENTITY -> {
                for (int j = 0; j < out; j++) {
                    y[j] = (float) acc[j];
                }
            }
            case RELU -> {
                for (int j = 0; j < out; j++) {
                    y[j] = Math.max(0f, (float) acc[j]);
                }
            }
            case SOFTMAX -> {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < out; j++) {
                    acc[j] = (float) acc[j]; // float logits, as DL4J's: an overflow is infinite, and softmax then NaN
                    max = Math.max(max, (float) acc[j]);
                }
                double sum = 0;
                double[] e = new double[out];
                for (int j = 0; j < out; j++) {
                    e[j] = Math.exp(acc[j] - max);
                    sum += e[j];
                }
                for (int j = 0; j < out; j++) {
                    y[j] = (float) (e[j] / sum);
                }
            }
        }
        return y;
    }
}
