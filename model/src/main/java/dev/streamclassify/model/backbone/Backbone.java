package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A pre-trained network used as a frozen feature extractor: the forward pass stops at {@link BackboneInfo#cutLayer()}
 * so whatever came after it (the original output layer) is never computed. Owns native memory: close it.
 * Thread-safe: calls are serialised because DL4J networks are not.
 */
public final class Backbone implements AutoCloseable {

    private final ComputationGraph graph;
    private final BackboneInfo info;
    private final boolean channelsLast;
    private final long[] cutShape;
    private boolean closed;

    private Backbone(ComputationGraph graph, BackboneInfo info, boolean channelsLast, long[] cutShape) {
        this.graph = graph;
        this.info = info;
        this.channelsLast = channelsLast;
        this.cutShape = cutShape;
    }

    /**
     * Wraps a network, checking that the cut layer exists and measuring the feature size with one forward pass
     * (which also warms the network up).
     */
    public static Backbone of(ComputationGraph graph, String name, String fingerprint, String cutLayer, PreprocessingSpec spec) {
        if (graph.getVertex(cutLayer) == null) {
            throw new IllegalArgumentException("backbone " + name + " has no layer '" + cutLayer + "'; layers: " + layerNames(graph));
        }
        boolean channelsLast = takesChannelsLast(graph);
        INDArray probe = Nd4j.zeros(1, spec.channels(), spec.height(), spec.width());
        INDArray out;
        try {
            out = graph.output(List.of(cutLayer), false, new INDArray[]{layout(probe, channelsLast)}, null)[0];
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("backbone " + name + " does not accept input " + spec.channels() + "x"
                    + spec.height() + "x" + spec.width() + ": " + e.getMessage(), e);
        }
        int featureSize = Math.toIntExact(out.length());
        long[] shape = java.util.Arrays.copyOfRange(out.shape(), 1, out.rank());
        return new Backbone(graph, new BackboneInfo(name, fingerprint, cutLayer, spec, featureSize), channelsLast, shape);
    }

    /**
     * Whether the network's first image layer wants {@code [n, h, w, c]}: Keras/TF.js imports keep TensorFlow's
     * channels-last layout, while the product's preprocessing always makes channels-first batches.
     */
    static boolean takesChannelsLast(ComputationGraph graph) {
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            if (!vertices[i].hasLayer()) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer conf = vertices[i].getLayer().conf().getLayer();
            CNN2DFormat format = null;
            if (conf instanceof ConvolutionLayer c) {
                format = c.getCnn2dDataFormat();
            } else if (conf instanceof SubsamplingLayer s) {
                format = s.getCnn2dDataFormat();
            } else if (conf instanceof ZeroPaddingLayer z) {
                format = z.getDataFormat();
            } else if (conf instanceof BatchNormalization b) {
                format = b.getCnn2DFormat();
            }
            if (format != null) {
                return format == CNN2DFormat.NHWC;
            }
        }
        return false;
    }

    private static INDArray layout(INDArray nchw, boolean channelsLast) {
        return channelsLast ? nchw.permute(0, 2, 3, 1).dup('c') : nchw;
    }

    public BackboneInfo info() {
        return info;
    }

    /**
     * @param batch images as {@code [n, channels, height, width]}, whatever layout the network uses inside
     * @return flattened features {@code [n, featureSize]} (in the network's own layout order)
     */
    public synchronized INDArray features(INDArray batch) {
        ensureOpen();
        INDArray out = graph.output(List.of(info.cutLayer()), false, new INDArray[]{layout(batch, channelsLast)}, null)[0];
        return out.reshape('c', batch.size(0), info.featureSize());
    }

    /**
     * Shape of one image's output at the cut, before flattening: {@code [h, w, c]} for a channels-last network,
     * {@code [c, h, w]} for a channels-first one, {@code [n]} for a flat layer. Lets callers pool spatial features.
     */
    public long[] cutShape() {
        return cutShape.clone();
    }

    /** Whether {@link #cutShape()} (and so the flattened feature order) is channels-last. */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** The underlying network, for fine-tuning (which copies it) and for layer inspection. Do not close it. */
    public ComputationGraph graph() {
        return graph;
    }

    /** Names of all layers, in topological order, so a user can choose a cut. */
    public static List<String> layerNames(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            names.add(vertices[i].getVertexName());
        }
        return names;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backbone " + info.name() + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            graph.close();
        }
    }
}
