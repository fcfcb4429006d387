package dev.streamclassify.model.backbone;

import dev.streamclassify.model.backbone.internal.OpsForwardPass;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A pre-trained network used as a frozen feature extractor: the forward pass stops at {@link BackboneInfo#cutLayer()}
 * so whatever came after it (the original output layer) is never computed. Owns native memory: close it.
 * Thread-safe: passes through DL4J's layers are serialised because DL4J networks are not; nd4j-op passes run
 * concurrently (several stream threads each with one OpenMP thread can then use several cores).
 * <p>Features are computed by raw nd4j ops ({@link OpsForwardPass}, which reach oneDNN in the native builds that
 * have it) when the network translates and the translation gives DL4J's own outputs within {@link #OPS_TOLERANCE} on
 * a probe batch at load time; otherwise by DL4J's layers. {@link #inference()} says which.
 */
public final class Backbone implements AutoCloseable {

    /** Largest accepted difference between the nd4j-op and DL4J forward passes, relative to max(1, max |output|). */
    public static final double OPS_TOLERANCE = 1e-5;

    private static final Logger log = LoggerFactory.getLogger(Backbone.class);

    /** Which forward pass serves {@link #features}, and how far it was from DL4J's on the load-time probe. */
    public record Inference(String path, double maxDifference, String detail) {
        public static final String OPS = "nd4j-ops";
        public static final String LAYERS = "dl4j-layers";
    }

    private final ComputationGraph graph;
    private final BackboneInfo info;
    private final boolean channelsLast;
    private final long[] cutShape;
    private final OpsForwardPass ops;
    private final Inference inference;
    /** Read: nd4j-op passes, which may overlap. Write: DL4J's layers (not thread-safe) and close. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private Backbone(ComputationGraph graph, BackboneInfo info, boolean channelsLast, long[] cutShape,
                     OpsForwardPass ops, Inference inference) {
        this.graph = graph;
        this.info = info;
        this.channelsLast = channelsLast;
        this.cutShape = cutShape;
        this.ops = ops;
        this.inference = inference;
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
        OpsForwardPass ops = null;
        Inference inference;
        try {
            ops = OpsForwardPass.compile(graph, cutLayer);
            double diff = opsDifference(graph, ops, cutLayer, spec, channelsLast);
            if (diff <= OPS_TOLERANCE) {
                inference = new Inference(Inference.OPS, diff, ops.summary());
            } else {
                inference = new Inference(Inference.LAYERS, diff, "nd4j-op translation differs from DL4J by " + diff);
                ops.close();
                ops = null;
            }
        } catch (RuntimeException e) {
            // an untranslatable vertex (or an op the native build lacks) costs speed, never correctness
            inference = new Inference(Inference.LAYERS, Double.NaN, String.valueOf(e.getMessage()));
            if (ops != null) {
                ops.close();
                ops = null;
            }
        }
        log.info("backbone {}: forward pass by {} ({}; max difference to DL4J layers {})", name, inference.path(),
                inference.detail(), inference.maxDifference());
        return new Backbone(graph, new BackboneInfo(name, fingerprint, cutLayer, spec, featureSize), channelsLast, shape, ops, inference);
    }

    /** Both forward passes on the same seeded random batch of two; the largest difference relative to max(1, max |out|). */
    private static double opsDifference(ComputationGraph graph, OpsForwardPass ops, String cut, PreprocessingSpec spec, boolean channelsLast) {
        Random random = new Random(20261130L);
        float[] values = new float[2 * spec.channels() * spec.height() * spec.width()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        INDArray batch = layout(Nd4j.create(values, new long[]{2, spec.channels(), spec.height(), spec.width()}, 'c'), channelsLast);
        INDArray expected = graph.output(List.of(cut), false, new INDArray[]{batch}, null)[0];
        INDArray actual = ops.output(batch);
        if (!java.util.Arrays.equals(expected.shape(), actual.shape())) {
            throw new UnsupportedOperationException("nd4j-op translation gives shape " + java.util.Arrays.toString(actual.shape())
                    + ", DL4J " + java.util.Arrays.toString(expected.shape()));
        }
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        return actual.sub(expected).amaxNumber().doubleValue() / scale;
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
     * @return flattened features {@code [n, featureSize]} (in the network's own layout order), owned by the caller
     */
    public INDArray features(INDArray batch) {
        if (ops == null) {
            return layerFeatures(batch);
        }
        // the nd4j-op pass only reads shared weights (intermediates live in a per-thread workspace), so callers on
        // several threads run it at once; only close() must wait for them
        lock.readLock().lock();
        try {
            ensureOpen();
            INDArray input = layout(batch, channelsLast);
            INDArray out = ops.output(input);
            if (input != batch && input.closeable()) {
                input.close();
            }
            return out.reshape('c', batch.size(0), info.featureSize());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The same features through DL4J's own layers, whatever {@link #inference()} says: the reference and the baseline. */
    public INDArray layerFeatures(INDArray batch) {
        // DL4J networks are not thread-safe: one caller at a time
        lock.writeLock().lock();
        try {
            ensureOpen();
            INDArray out = graph.output(List.of(info.cutLayer()), false, new INDArray[]{layout(batch, channelsLast)}, null)[0];
            return out.reshape('c', batch.size(0), info.featureSize());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Multiply-adds per image of the convolutions and matrix products up to the cut (2 FLOPs each), counted on one
     * forward pass; NaN when the network is not served by nd4j ops.
     */
    public double multiplyAddsPerImage() {
        lock.readLock().lock();
        try {
            ensureOpen();
            if (ops == null) {
                return Double.NaN;
            }
            PreprocessingSpec spec = info.preprocessing();
            return ops.multiplyAddsPerImage(layout(Nd4j.zeros(1, spec.channels(), spec.height(), spec.width()), channelsLast));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Which forward pass {@link #features} uses, decided (and verified) when this backbone was made. */
    public Inference inference() {
        return inference;
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
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                if (ops != null) {
                    ops.close();
                }
                graph.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
