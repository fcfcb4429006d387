package dev.streamclassify.model.backbone.internal;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.InputVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The frozen part of a DL4J {@link ComputationGraph}, up to a cut vertex, re-expressed as raw nd4j ops that read the
 * graph's own parameter arrays. Why: in DL4J 1.0.0-M2.1 the layer implementations run convolutions through im2col and
 * gemm and never reach oneDNN, while the libnd4j {@code conv2d}/{@code depthwise_conv2d}/pooling/batchnorm ops do when
 * the native build has it. Inference only (no dropout, batch norm with its global statistics).
 * <p>{@link #compile} refuses (with {@link UnsupportedOperationException}) any vertex it does not translate; callers
 * keep DL4J's own forward pass then. The parameter arrays are views of the graph's, so the graph must outlive this
 * object; only arrays made here (folded batch norm scales and shifts) are closed by {@link #close()}. Not thread-safe.
 */
public final class OpsForwardPass implements AutoCloseable {

    /**
     * One translated vertex: reads the outputs of {@code inputs} (step indices, -1 = network input);
     * {@code macsPerOutput} multiply-adds per output element (0 for what is not a convolution or matrix product).
     */
    private record Step(String name, int[] inputs, Op op, long macsPerOutput) {
    }

    @FunctionalInterface
    private interface Op {
        INDArray apply(INDArray[] in);
    }

    private record Translated(Op op, long macsPerOutput) {
    }

    private final List<Step> steps;
    /** For each step, the index of the last step that reads its output, so intermediates are freed early. */
    private final int[] lastUse;
    private final List<INDArray> owned;

    private OpsForwardPass(List<Step> steps, List<INDArray> owned) {
        this.steps = steps;
        this.owned = owned;
        this.lastUse = new int[steps.size()];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < steps.size(); i++) {
            for (int in : steps.get(i).inputs()) {
                if (in >= 0) {
                    lastUse[in] = i;
                }
            }
        }
        lastUse[steps.size() - 1] = Integer.MAX_VALUE;
    }

    /**
     * Translates the vertices {@code cut} depends on.
     *
     * @throws UnsupportedOperationException naming the first vertex that has no translation
     */
    public static OpsForwardPass compile(ComputationGraph graph, String cut) {
        GraphVertex[] vertices = graph.getVertices();
        GraphVertex cutVertex = graph.getVertex(cut);
        if (cutVertex == null) {
            throw new IllegalArgumentException("no vertex " + cut);
        }
        Set<Integer> needed = new HashSet<>();
        collect(vertices, cutVertex.getVertexIndex(), needed);
        List<Step> steps = new ArrayList<>();
        List<INDArray> owned = new ArrayList<>();
        int[] stepOf = new int[vertices.length];
        Arrays.fill(stepOf, Integer.MIN_VALUE);
        boolean sawInput = false;
        for (int index : graph.topologicalSortOrder()) {
            if (!needed.contains(index)) {
                continue;
            }
            GraphVertex v = vertices[index];
            if (v instanceof InputVertex) {
                if (sawInput) {
                    throw new UnsupportedOperationException("graphs with more than one input");
                }
                sawInput = true;
                stepOf[index] = -1;
                continue;
            }
            VertexIndices[] ins = v.getInputVertices();
            int[] inputs = new int[ins.length];
            for (int i = 0; i < ins.length; i++) {
                inputs[i] = stepOf[ins[i].getVertexIndex()];
            }
            Translated t = translate(graph, v, owned);
            stepOf[index] = steps.size();
            steps.add(new Step(v.getVertexName(), inputs, t.op(), t.macsPerOutput()));
        }
        if (steps.isEmpty()) {
            throw new UnsupportedOperationException("the cut is the input itself");
        }
        return new OpsForwardPass(List.copyOf(steps), owned);
    }

    private static void collect(GraphVertex[] vertices, int index, Set<Integer> into) {
        if (!into.add(index)) {
            return;
        }
        VertexIndices[] ins = vertices[index].getInputVertices();
        if (ins != null) {
            for (VertexIndices in : ins) {
                collect(vertices, in.getVertexIndex(), into);
            }
        }
    }

    /**
     * Runs the translated vertices on {@code input} (in the layout the graph takes) and returns the cut's output.
     * Intermediates are closed as soon as nothing reads them any more; the input is left to the caller.
     */
    public INDArray output(INDArray input) {
        return run(input, null);
    }

    /** Multiply-adds of convolutions and matrix products per image, counted on a forward pass of {@code input}. */
    public double multiplyAddsPerImage(INDArray input) {
        double[] macs = new double[1];
        release(run(input, macs));
        return macs[0] / input.size(0);
    }

    private INDArray run(INDArray input, double[] macs) {
        INDArray[] values = new INDArray[steps.size()];
        try {
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                INDArray[] in = new INDArray[s.inputs().length];
                for (int k = 0; k < in.length; k++) {
                    in[k] = s.inputs()[k] < 0 ? input : values[s.inputs()[k]];
                }
                values[i] = s.op().apply(in);
                if (macs != null) {
                    macs[0] += (double) s.macsPerOutput() * values[i].length();
                }
                for (int k : s.inputs()) {
                    if (k >= 0 && lastUse[k] == i && values[k] != values[i]) {
                        release(values[k]);
                        values[k] = null;
                    }
                }
            }
            INDArray out = values[values.length - 1];
            values[values.length - 1] = null;
            return out;
        } finally {
            for (INDArray v : values) {
                if (v != input) {
                    release(v);
                }
            }
        }
    }

    /** Names of the translated vertices, in execution order. */
    public List<String> vertexNames() {
        return steps.stream().map(Step::name).toList();
    }

    @Override
    public void close() {
        owned.forEach(OpsForwardPass::release);
        owned.clear();
    }

    private static Translated translate(ComputationGraph graph, GraphVertex v, List<INDArray> owned) {
        String name = v.getVertexName();
        if (v instanceof LayerVertex lv) {
            Op layer = translateLayer(name, lv.getLayer(), owned);
            long macs = macsPerOutput(lv.getLayer());
            InputPreProcessor pre = lv.getLayerPreProcessor();
            if (pre == null) {
                return new Translated(layer, macs);
            }
            return new Translated(in -> {
                INDArray x = pre.preProcess(in[0], (int) in[0].size(0), LayerWorkspaceMgr.noWorkspaces());
                INDArray y = layer.apply(new INDArray[]{x});
                if (x != in[0] && x != y) {
                    release(x);
                }
                return y;
            }, macs);
        }
        var conf = graph.getConfiguration().getVertices().get(name);
        if (conf instanceof ElementWiseVertex e && v.getNumInputArrays() >= 2) {
            return new Translated(switch (e.getOp()) {
                case Add -> in -> {
                    INDArray sum = in[0].add(in[1]);
                    for (int i = 2; i < in.length; i++) {
                        sum.addi(in[i]);
                    }
                    return sum;
                };
                case Product -> in -> {
                    INDArray p = in[0].mul(in[1]);
                    for (int i = 2; i < in.length; i++) {
                        p.muli(in[i]);
                    }
                    return p;
                };
                default -> throw unsupported(name, "element-wise " + e.getOp());
            }, 0);
        }
        throw unsupported(name, conf == null ? v.getClass().getSimpleName() : conf.getClass().getSimpleName());
    }

    private static Op translateLayer(String name, org.deeplearning4j.nn.api.Layer layer, List<INDArray> owned) {
        var conf = layer.conf().getLayer();
        Class<?> type = conf.getClass();
        if (type == ConvolutionLayer.class || type == DepthwiseConvolution2D.class) {
            ConvolutionLayer c = (ConvolutionLayer) conf;
            boolean depthwise = type == DepthwiseConvolution2D.class;
            // DL4J keeps conv kernels as [out, in, kh, kw] and depthwise kernels as [kh, kw, in, multiplier]
            Conv2DConfig cfg = convConfig(name, c.getKernelSize(), c.getStride(), c.getPadding(), c.getDilation(),
                    c.getConvolutionMode(), c.getCnn2dDataFormat(), depthwise ? WeightsFormat.YXIO : WeightsFormat.OIYX);
            INDArray w = layer.getParam("W");
            INDArray b = c.hasBias() ? layer.getParam("b").reshape(-1) : null;
            IActivation act = c.getActivationFn();
            if (depthwise) {
                return in -> activate(act, b == null ? Nd4j.cnn.depthWiseConv2d(in[0], w, cfg) : Nd4j.cnn.depthWiseConv2d(in[0], w, b, cfg));
            }
            return in -> activate(act, b == null ? Nd4j.cnn.conv2d(in[0], w, cfg) : Nd4j.cnn.conv2d(in[0], w, b, cfg));
        }
        if (type == BatchNormalization.class) {
            BatchNormalization bn = (BatchNormalization) conf;
            if (bn.isLockGammaBeta()) {
                throw unsupported(name, "batch normalization with locked gamma/beta");
            }
            INDArray mean = layer.getParam("mean").reshape(-1).castTo(DataType.DOUBLE);
            INDArray var;
            if (bn.isUseLogStd()) {
                // the layer keeps log10 of the standard deviation; its forward pass squares 10^x back into a variance
                var = Transforms.pow(Nd4j.valueArrayOf(mean.shape(), 10.0, DataType.DOUBLE),
                        layer.getParam("log10stdev").reshape(-1).castTo(DataType.DOUBLE), false);
                var.muli(var);
            } else {
                var = layer.getParam("var").reshape(-1).castTo(DataType.DOUBLE);
            }
            INDArray gamma = layer.getParam("gamma").reshape(-1).castTo(DataType.DOUBLE);
            INDArray beta = layer.getParam("beta").reshape(-1).castTo(DataType.DOUBLE);
            // folded once, in double: y = x * scale + shift with scale = gamma / sqrt(var + eps), shift = beta - mean * scale
            INDArray scaleD = gamma.div(Transforms.sqrt(var.add(bn.getEps()), false));
            INDArray scale = scaleD.castTo(layer.getParam("mean").dataType());
            INDArray shift = beta.sub(mean.mul(scaleD)).castTo(scale.dataType());
            owned.add(scale);
            owned.add(shift);
            boolean nhwc = bn.getCnn2DFormat() == CNN2DFormat.NHWC;
            // DL4J's batch normalization layer never applies its configured activation (Keras imports leave sigmoid there)
            return in -> {
                INDArray x = in[0];
                int axis = x.rank() == 4 && nhwc ? 3 : 1;
                INDArray y = x.ulike();
                Nd4j.getExecutioner().exec(new BroadcastMulOp(x, scale, y, axis));
                Nd4j.getExecutioner().exec(new BroadcastAddOp(y, shift, y, axis));
                return y;
            };
        }
        if (type == ActivationLayer.class) {
            IActivation act = ((ActivationLayer) conf).getActivationFn();
            return in -> act.getActivation(in[0].dup(), false);
        }
        if (type == DropoutLayer.class) {
            return in -> in[0].dup();
        }
        if (type == ZeroPaddingLayer.class) {
            ZeroPaddingLayer z = (ZeroPaddingLayer) conf;
            int[] p = z.getPadding(); // top, bottom, left, right
            boolean nhwc = z.getDataFormat() == CNN2DFormat.NHWC;
            int[][] pads = nhwc
                    ? new int[][]{{0, 0}, {p[0], p[1]}, {p[2], p[3]}, {0, 0}}
                    : new int[][]{{0, 0}, {0, 0}, {p[0], p[1]}, {p[2], p[3]}};
            return in -> Nd4j.pad(in[0], pads);
        }
        if (type == SubsamplingLayer.class) {
            SubsamplingLayer s = (SubsamplingLayer) conf;
            Pooling2D.Pooling2DType pt = switch (s.getPoolingType()) {
                case MAX -> Pooling2D.Pooling2DType.MAX;
                case AVG -> Pooling2D.Pooling2DType.AVG;
                default -> throw unsupported(name, s.getPoolingType() + " pooling");
            };
            if (s.getConvolutionMode() == ConvolutionMode.Causal) {
                throw unsupported(name, "causal pooling");
            }
            boolean same = s.getConvolutionMode() == ConvolutionMode.Same;
            Pooling2DConfig.Pooling2DConfigBuilder cfg = Pooling2DConfig.builder()
                    .kH(s.getKernelSize()[0]).kW(s.getKernelSize()[1])
                    .sH(s.getStride()[0]).sW(s.getStride()[1])
                    .pH(same ? 0 : s.getPadding()[0]).pW(same ? 0 : s.getPadding()[1])
                    .dH(s.getDilation()[0]).dW(s.getDilation()[1])
                    .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                    .isNHWC(s.getCnn2dDataFormat() == CNN2DFormat.NHWC)
                    .type(pt);
            if (pt == Pooling2D.Pooling2DType.AVG) {
                cfg.divisor(s.isAvgPoolIncludePadInDivisor() ? Pooling2D.Divisor.INCLUDE_PADDING : Pooling2D.Divisor.EXCLUDE_PADDING);
            }
            Pooling2DConfig built = cfg.build();
            return in -> pt == Pooling2D.Pooling2DType.MAX ? Nd4j.cnn.maxPooling2d(in[0], built) : Nd4j.cnn.avgPooling2d(in[0], built);
        }
        if (type == GlobalPoolingLayer.class) {
            GlobalPoolingLayer g = (GlobalPoolingLayer) conf;
            int[] dims = g.getPoolingDimensions();
            if (dims == null || !g.isCollapseDimensions()) {
                throw unsupported(name, "global pooling without explicit, collapsed dimensions");
            }
            return switch (g.getPoolingType()) {
                case AVG -> in -> in[0].mean(dims);
                case MAX -> in -> in[0].max(dims);
                case SUM -> in -> in[0].sum(dims);
                default -> throw unsupported(name, g.getPoolingType() + " global pooling");
            };
        }
        if (type == DenseLayer.class) {
            DenseLayer d = (DenseLayer) conf;
            INDArray w = layer.getParam("W");
            INDArray b = d.hasBias() ? layer.getParam("b") : null;
            IActivation act = d.getActivationFn();
            return in -> {
                INDArray x = in[0].rank() == 2 ? in[0] : in[0].reshape('c', in[0].size(0), -1);
                INDArray z = x.mmul(w);
                if (b != null) {
                    z.addiRowVector(b);
                }
                return activate(act, z);
            };
        }
        throw unsupported(name, type.getSimpleName());
    }

    /** kh*kw*in for a convolution, kh*kw for a depthwise one, in for a dense layer: what each output element costs. */
    private static long macsPerOutput(org.deeplearning4j.nn.api.Layer layer) {
        var conf = layer.conf().getLayer();
        if (conf instanceof ConvolutionLayer || conf instanceof DenseLayer) {
            long[] w = layer.getParam("W").shape();
            if (conf instanceof DepthwiseConvolution2D) {
                return w[0] * w[1];
            }
            if (conf instanceof DenseLayer) {
                return w[0];
            }
            return w[1] * w[2] * w[3];
        }
        return 0;
    }

    private static Conv2DConfig convConfig(String name, int[] k, int[] s, int[] p, int[] d, ConvolutionMode mode,
                                           CNN2DFormat format, WeightsFormat weights) {
        if (mode == ConvolutionMode.Causal) {
            throw unsupported(name, "causal convolution");
        }
        boolean same = mode == ConvolutionMode.Same;
        return Conv2DConfig.builder()
                .kH(k[0]).kW(k[1]).sH(s[0]).sW(s[1])
                .pH(same ? 0 : p[0]).pW(same ? 0 : p[1])
                .dH(d[0]).dW(d[1])
                .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat(format == CNN2DFormat.NHWC ? Conv2DConfig.NHWC : Conv2DConfig.NCHW)
                .weightsFormat(weights)
                .build();
    }

    /** Frees native memory now rather than at the next GC; views and workspace arrays are left alone. */
    private static void release(INDArray a) {
        if (a != null && !a.wasClosed() && a.closeable()) {
            a.close();
        }
    }

    private static INDArray activate(IActivation act, INDArray z) {
        return act instanceof ActivationIdentity ? z : act.getActivation(z, false);
    }

    private static UnsupportedOperationException unsupported(String vertex, String what) {
        return new UnsupportedOperationException("vertex " + vertex + ": no nd4j-op translation for " + what);
    }
}
