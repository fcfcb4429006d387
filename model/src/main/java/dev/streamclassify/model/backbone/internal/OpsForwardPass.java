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
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The frozen part of a DL4J {@link ComputationGraph}, up to a cut vertex, re-expressed as raw nd4j ops that read the
 * graph's own parameter arrays. Why: in DL4J 1.0.0-M2.1 the layer implementations run convolutions through im2col and
 * gemm and never reach oneDNN, while the libnd4j {@code conv2d}/{@code depthwise_conv2d}/pooling/batchnorm ops do when
 * the native build has it. Inference only (no dropout, batch norm with its global statistics).
 * <p>{@link #compile} refuses (with {@link UnsupportedOperationException}) any vertex it does not translate; callers
 * keep DL4J's own forward pass then. The parameter arrays are views of the graph's, so the graph must outlive this
 * object; only arrays made here (folded kernels, biases, batch norm scales and shifts) are closed by {@link #close()}.
 * {@link #output} may run on several threads at once (it only reads the weights; each thread's intermediates live in
 * its own workspace); {@link #close()} must wait until none runs.
 */
public final class OpsForwardPass implements AutoCloseable {

    /**
     * One translated vertex: reads the outputs of {@code inputs} (step indices, -1 = network input);
     * {@code macsPerOutput} multiply-adds per output element (0 for what is not a convolution or matrix product).
     */
    private record Step(String name, int[] inputs, Op op, long macsPerOutput, boolean writesInput) {
    }

    @FunctionalInterface
    private interface Op {
        INDArray apply(INDArray[] in);
    }

    private record Translated(Op op, long macsPerOutput) {
    }

    private final List<Step> steps;
    private final String summary;
    /** For each step, the index of the last step that reads its output, so intermediates are freed early. */
    private final int[] lastUse;
    private final List<INDArray> owned;

    private OpsForwardPass(List<Step> steps, List<INDArray> owned, String summary) {
        this.steps = steps;
        this.summary = summary;
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
        Fusions fusions = Fusions.plan(graph, needed, cutVertex.getVertexIndex());
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
            Translated t = fusions.passThrough.contains(index) ? new Translated(in -> in[0], 0) : translate(graph, v, fusions, owned);
            stepOf[index] = steps.size();
            steps.add(new Step(v.getVertexName(), inputs, t.op(), t.macsPerOutput(), fusions.inPlace.contains(index)));
        }
        if (steps.isEmpty()) {
            throw new UnsupportedOperationException("the cut is the input itself");
        }
        String summary = String.format("%d vertices as nd4j ops; %d batch normalizations and %d zero paddings folded into"
                        + " convolutions, %d activations in place", steps.size(), fusions.batchNormAfter.size(),
                fusions.paddingBefore.size(), fusions.inPlace.size());
        return new OpsForwardPass(List.copyOf(steps), owned, summary);
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
     * Runs the translated vertices on {@code input} (in the layout the graph takes) and returns the cut's output, a
     * fresh array the caller owns (close it). The input is left to the caller.
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

    /**
     * Intermediates live in a per-thread workspace: one block, sized on the first pass and reused by every later one,
     * instead of a native allocation (and, for the large early activations, fresh pages from the kernel) per op. Why:
     * with MobileNetV2 at batch 32 half of the forward pass was spent in {@code allocateDataBuffer}. The block is as
     * large as all intermediates of the largest batch seen on that thread together; one id for all instances keeps it
     * to one block per thread however many backbones (or fine-tuned copies) come and go.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .overallocationLimit(0.05)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    public static final String WORKSPACE_ID = "streamclassify-ops-forward";

    private INDArray run(INDArray input, double[] macs) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            INDArray[] values = new INDArray[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                INDArray[] in = new INDArray[s.inputs().length];
                for (int k = 0; k < in.length; k++) {
                    in[k] = s.inputs()[k] < 0 ? input : values[s.inputs()[k]];
                }
                if (s.writesInput() && in[0] == input) {
                    in[0] = input.dup(); // the caller's input is never written
                }
                values[i] = s.op().apply(in);
                if (macs != null) {
                    macs[0] += (double) s.macsPerOutput() * values[i].length();
                }
                for (int k : s.inputs()) {
                    if (k >= 0 && lastUse[k] == i) {
                        values[k] = null; // workspace memory: nothing to free one by one
                    }
                }
            }
            INDArray out = values[values.length - 1];
            return out == input ? input.dup() : out.detach();
        }
    }

    /** What was translated and what was folded away, for logs and the inference detail. */
    public String summary() {
        return summary;
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

    private static Translated translate(ComputationGraph graph, GraphVertex v, Fusions fusions, List<INDArray> owned) {
        String name = v.getVertexName();
        if (v instanceof LayerVertex lv) {
            int index = v.getVertexIndex();
            Op layer = translateLayer(name, lv.getLayer(), fusions.batchNormAfter.get(index), fusions.paddingBefore.get(index),
                    fusions.inPlace.contains(index), owned);
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

    private static Op translateLayer(String name, org.deeplearning4j.nn.api.Layer layer, org.deeplearning4j.nn.api.Layer foldedBatchNorm,
                                     ZeroPaddingLayer foldedPadding, boolean inPlace, List<INDArray> owned) {
        var conf = layer.conf().getLayer();
        Class<?> type = conf.getClass();
        if (type == ConvolutionLayer.class || type == DepthwiseConvolution2D.class) {
            ConvolutionLayer c = (ConvolutionLayer) conf;
            boolean depthwise = type == DepthwiseConvolution2D.class;
            // DL4J keeps conv kernels as [out, in, kh, kw] and depthwise kernels as [kh, kw, in, multiplier]
            WeightsFormat weights = depthwise ? WeightsFormat.YXIO : WeightsFormat.OIYX;
            Conv2DConfig cfg = convConfig(name, c.getKernelSize(), c.getStride(), c.getPadding(), c.getDilation(),
                    c.getConvolutionMode(), c.getCnn2dDataFormat(), weights);
            INDArray w = layer.getParam("W");
            INDArray b = c.hasBias() ? layer.getParam("b").reshape(-1) : null;
            if (foldedBatchNorm != null) {
                INDArray[] folded = foldBatchNorm(name, w, b, depthwise, foldedBatchNorm);
                w = folded[0];
                b = folded[1];
                owned.add(w);
                owned.add(b);
            }
            IActivation act = onePass(c.getActivationFn());
            Op conv = convOp(depthwise, w, b, cfg);
            if (foldedPadding != null) {
                conv = paddedConv(c, foldedPadding, conv, convOp(depthwise, w, b, convConfig(name, c.getKernelSize(), c.getStride(),
                        new int[]{0, 0}, c.getDilation(), ConvolutionMode.Same, c.getCnn2dDataFormat(), weights)));
            }
            Op finalConv = conv;
            return in -> activate(act, finalConv.apply(in));
        }
        if (type == BatchNormalization.class) {
            BatchNormalization bn = (BatchNormalization) conf;
            if (bn.isLockGammaBeta()) {
                throw unsupported(name, "batch normalization with locked gamma/beta");
            }
            INDArray[] scaleShift = batchNormScaleShift(layer);
            INDArray scale = scaleShift[0].castTo(layer.getParam("mean").dataType());
            INDArray shift = scaleShift[1].castTo(scale.dataType());
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
            IActivation act = onePass(((ActivationLayer) conf).getActivationFn());
            // DL4J's activations write into their argument; in place when nothing else reads it (run() copies the network input)
            return inPlace ? in -> act.getActivation(in[0], false) : in -> act.getActivation(in[0].dup(), false);
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

    /**
     * A batch normalization with its global statistics as {@code y = x * scale + shift}, in double:
     * {@code scale = gamma / sqrt(var + eps)}, {@code shift = beta - mean * scale}.
     */
    private static INDArray[] batchNormScaleShift(org.deeplearning4j.nn.api.Layer layer) {
        BatchNormalization bn = (BatchNormalization) layer.conf().getLayer();
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
        INDArray scale = gamma.div(Transforms.sqrt(var.add(bn.getEps()), false));
        return new INDArray[]{scale, beta.sub(mean.mul(scale))};
    }

    /**
     * The convolution's kernel and bias with the batch normalization that alone reads its output folded in (per output
     * channel: {@code w' = w * scale}, {@code b' = b * scale + shift}), so the normalization costs no pass of its own.
     */
    private static INDArray[] foldBatchNorm(String name, INDArray w, INDArray b, boolean depthwise, org.deeplearning4j.nn.api.Layer bn) {
        INDArray[] scaleShift = batchNormScaleShift(bn);
        INDArray scale = scaleShift[0];
        INDArray wd = w.castTo(DataType.DOUBLE).dup('c');
        long[] ws = w.shape();
        long outChannels = depthwise ? ws[2] * ws[3] : ws[0];
        if (scale.length() != outChannels) {
            throw unsupported(name, "batch normalization over " + scale.length() + " channels after " + outChannels);
        }
        if (depthwise) {
            // [kh, kw, in, multiplier]: output channel in * multiplier + m
            Nd4j.getExecutioner().exec(new BroadcastMulOp(wd, scale.reshape('c', ws[2], ws[3]), wd, 2, 3));
        } else {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(wd, scale, wd, 0));
        }
        INDArray bd = b == null ? scaleShift[1] : b.castTo(DataType.DOUBLE).mul(scale).addi(scaleShift[1]);
        return new INDArray[]{wd.castTo(w.dataType()), bd.castTo(w.dataType())};
    }

    private static Op convOp(boolean depthwise, INDArray w, INDArray b, Conv2DConfig cfg) {
        if (depthwise) {
            return in -> b == null ? Nd4j.cnn.depthWiseConv2d(in[0], w, cfg) : Nd4j.cnn.depthWiseConv2d(in[0], w, b, cfg);
        }
        return in -> b == null ? Nd4j.cnn.conv2d(in[0], w, cfg) : Nd4j.cnn.conv2d(in[0], w, b, cfg);
    }

    /**
     * A zero padding folded into the valid convolution that alone reads it: where the padding is exactly what SAME
     * padding adds for this input size (MobileNetV2's {@code (0,1)} before its stride-2 convolutions on even sizes),
     * the SAME convolution runs on the unpadded input; otherwise the input is padded first, as the graph does.
     */
    private static Op paddedConv(ConvolutionLayer c, ZeroPaddingLayer padding, Op validConv, Op sameConv) {
        int[] p = padding.getPadding(); // top, bottom, left, right
        boolean nhwc = padding.getDataFormat() == CNN2DFormat.NHWC;
        int[][] pads = nhwc
                ? new int[][]{{0, 0}, {p[0], p[1]}, {p[2], p[3]}, {0, 0}}
                : new int[][]{{0, 0}, {0, 0}, {p[0], p[1]}, {p[2], p[3]}};
        int[] k = c.getKernelSize();
        int[] st = c.getStride();
        return in -> {
            long h = in[0].size(nhwc ? 1 : 2);
            long w = in[0].size(nhwc ? 2 : 3);
            if (samePadding(h, k[0], st[0], p[0], p[1]) && samePadding(w, k[1], st[1], p[2], p[3])) {
                return sameConv.apply(in);
            }
            return validConv.apply(new INDArray[]{Nd4j.pad(in[0], pads)});
        };
    }

    /** Whether TensorFlow-style SAME padding of a size-{@code n} axis (kernel k, stride s) is {@code before, after}. */
    private static boolean samePadding(long n, int k, int s, int before, int after) {
        long out = (n + s - 1) / s;
        long total = Math.max((out - 1) * s + k - n, 0);
        return total / 2 == before && total - total / 2 == after;
    }

    /**
     * Which vertices are folded into a neighbour, found on the graph before translation: a batch normalization into
     * the identity-activated convolution it alone reads, a zero padding into the valid, undilated convolution that
     * alone reads it (both become pass-throughs), and activation layers that may write into their input because
     * nothing else reads it.
     */
    private static final class Fusions {
        final Map<Integer, org.deeplearning4j.nn.api.Layer> batchNormAfter = new HashMap<>();
        final Map<Integer, ZeroPaddingLayer> paddingBefore = new HashMap<>();
        final Set<Integer> passThrough = new HashSet<>();
        final Set<Integer> inPlace = new HashSet<>();

        static Fusions plan(ComputationGraph graph, Set<Integer> needed, int cut) {
            GraphVertex[] vertices = graph.getVertices();
            int[] readers = new int[vertices.length];
            readers[cut]++; // the caller reads the cut
            for (int index : needed) {
                VertexIndices[] ins = vertices[index].getInputVertices();
                if (ins != null) {
                    for (VertexIndices in : ins) {
                        readers[in.getVertexIndex()]++;
                    }
                }
            }
            Fusions f = new Fusions();
            for (int index : needed) {
                GraphVertex v = vertices[index];
                if (!(v instanceof LayerVertex lv) || lv.getLayerPreProcessor() != null || v.getInputVertices() == null
                        || v.getInputVertices().length != 1) {
                    continue;
                }
                int from = v.getInputVertices()[0].getVertexIndex();
                var conf = lv.getLayer().conf().getLayer();
                GraphVertex src = vertices[from];
                var srcConf = src instanceof LayerVertex sl ? sl.getLayer().conf().getLayer() : null;
                if (conf instanceof BatchNormalization bn && !bn.isLockGammaBeta() && readers[from] == 1
                        && srcConf instanceof ConvolutionLayer c && isPlainConv(c)
                        && c.getActivationFn() instanceof ActivationIdentity && c.getCnn2dDataFormat() == bn.getCnn2DFormat()) {
                    f.batchNormAfter.put(from, lv.getLayer());
                    f.passThrough.add(index);
                }
                if (conf instanceof ConvolutionLayer c && isPlainConv(c) && readers[from] == 1
                        && srcConf instanceof ZeroPaddingLayer z && ((LayerVertex) src).getLayerPreProcessor() == null
                        && z.getDataFormat() == c.getCnn2dDataFormat()
                        && (c.getConvolutionMode() == ConvolutionMode.Truncate || c.getConvolutionMode() == ConvolutionMode.Strict)
                        && Arrays.equals(c.getPadding(), new int[]{0, 0}) && Arrays.equals(c.getDilation(), new int[]{1, 1})) {
                    f.paddingBefore.put(index, z);
                    f.passThrough.add(from);
                }
                if (conf instanceof ActivationLayer && readers[from] == 1 && !(src instanceof InputVertex)) {
                    f.inPlace.add(index);
                }
            }
            return f;
        }

        private static boolean isPlainConv(ConvolutionLayer c) {
            return c.getClass() == ConvolutionLayer.class || c.getClass() == DepthwiseConvolution2D.class;
        }
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

    /**
     * DL4J's {@code ReLU(max = 6)} (what Keras/TF.js imports make of ReLU6) runs as two passes over the array, a
     * rectifier and a minimum; the {@code relu6} op does both in one, which matters because after the convolutions the
     * activations are the largest memory-bound work of a MobileNetV2 pass. Anything else is returned as it is.
     */
    static IActivation onePass(IActivation act) {
        if (act.getClass() != ActivationReLU.class) {
            return act;
        }
        try {
            Double max = (Double) reluField("max").get(act);
            Double threshold = (Double) reluField("threshold").get(act);
            Double slope = (Double) reluField("negativeSlope").get(act);
            boolean plain = (threshold == null || threshold == 0.0) && (slope == null || slope == 0.0);
            return plain && max != null && max == 6.0 ? new ActivationReLU6() : act;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return act; // a DL4J version without these fields keeps its own two passes
        }
    }

    private static java.lang.reflect.Field reluField(String name) throws NoSuchFieldException {
        java.lang.reflect.Field f = ActivationReLU.class.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static INDArray activate(IActivation act, INDArray z) {
        return act instanceof ActivationIdentity ? z : act.getActivation(z, false);
    }

    private static UnsupportedOperationException unsupported(String vertex, String what) {
        return new UnsupportedOperationException("vertex " + vertex + ": no nd4j-op translation for " + what);
    }
}
