package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.inference.Owned;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fine-tunes the top {@code k} parameterised backbone layers below the cut together with an already trained head,
 * at a low learning rate, on images. The head is trained first on frozen features so that large early gradients of
 * a random head do not wreck the pre-trained layers. The backbone passed in is never modified: a copy is trained.
 */
public final class FineTuner {

    /** Replaced parameters of the fine-tuned backbone layers (raw float32, {@link RawParams}) and the losses per epoch. */
    public record Result(Map<String, byte[]> layers, List<Double> epochLosses, EvalReport holdout, double seconds) {
    }

    private FineTuner() {
    }

    /** The {@code k} topmost layers with parameters among the cut layer and its ancestors, bottom first. */
    public static List<String> topLayers(ComputationGraph graph, String cut, int k) {
        Set<String> ancestors = ancestors(graph, cut);
        List<String> withParams = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[i];
            if (ancestors.contains(v.getVertexName()) && v.hasLayer() && v.getLayer().numParams() > 0) {
                withParams.add(v.getVertexName());
            }
        }
        if (k < 1 || k > withParams.size()) {
            throw new IllegalArgumentException("can fine-tune 1 to " + withParams.size() + " layers below '" + cut + "' " + withParams + ", asked for " + k);
        }
        return withParams.subList(withParams.size() - k, withParams.size());
    }

    public static Result run(Backbone backbone, MultiLayerNetwork head, NetworkTrainer.Tensors train, NetworkTrainer.Tensors holdout,
                             int k, double learningRate, TrainSettings settings, Progress progress) {
        long t0 = System.nanoTime();
        ComputationGraph base = backbone.graph();
        String cut = backbone.info().cutLayer();
        List<String> tuned = topLayers(base, cut, k);
        boolean channelsLast = backbone.channelsLast();
        if (channelsLast && pooledCut(base, cut)) {
            // measured: on a TF.js import cut with pool=global or pool=KxK, fine-tuning the top layer drove a 3-class head to
            // chance (every image one class) while the same layer fine-tuned below an unpooled cut trained and served
            // exactly; DL4J's pooling layers appended to a channels-last map are not trustworthy in training
            throw new IllegalArgumentException("cannot fine-tune '" + backbone.info().name() + "': its cut " + cut + " pools a channels-last "
                    + "(TF.js/Keras) map, which DL4J does not train correctly; train the head only, or fine-tune a backbone cut with pool=none");
        }
        NetworkTrainer.Tensors trainIn = layout(train, channelsLast);
        NetworkTrainer.Tensors holdoutIn = layout(holdout, channelsLast);
        try (Owned<ComputationGraph> combined = Owned.of(combine(base.clone(), cut, backbone.info().preprocessing(), channelsLast, head, tuned,
                learningRate, settings.seed()))) {
            ComputationGraph net = combined.net();
            List<Double> losses = NetworkTrainer.fit(net, trainIn, settings, progress);
            EvalReport eval = NetworkTrainer.evaluate(net, holdoutIn);
            Map<String, byte[]> layers = new LinkedHashMap<>();
            for (String name : tuned) {
                layers.put(name, RawParams.of(net.getLayer(name).params()));
            }
            for (int i = 0; i < head.getnLayers(); i++) {
                head.getLayer(i).setParams(net.getLayer(headLayerName(i)).params().dup());
            }
            return new Result(layers, losses, eval, (System.nanoTime() - t0) / 1e9);
        } finally {
            if (channelsLast) {
                trainIn.x().close();
                holdoutIn.x().close();
            }
        }
    }

    private static boolean pooledCut(ComputationGraph graph, String cut) {
        GraphVertex v = graph.getVertex(cut);
        if (v == null || !v.hasLayer()) {
            return false;
        }
        var conf = v.getLayer().conf().getLayer();
        return conf instanceof org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer || conf instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
    }

    /**
     * Images as the backbone takes them: {@link NetworkTrainer#tensors} are channels-first, a TF.js/Keras import is
     * channels-last (a permuted copy, which the caller closes).
     */
    private static NetworkTrainer.Tensors layout(NetworkTrainer.Tensors t, boolean channelsLast) {
        return channelsLast ? new NetworkTrainer.Tensors(t.x().permute(0, 2, 3, 1).dup('c'), t.y(), t.labels()) : t;
    }

    private static ComputationGraph combine(ComputationGraph graph, String cut, PreprocessingSpec spec, boolean channelsLast,
                                            MultiLayerNetwork head, List<String> tuned, double learningRate, long seed) {
        Set<String> keep = ancestors(graph, cut);
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(graph)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(learningRate)).seed(seed).build());
        List<String> frozen = frozenBelow(graph, keep, tuned.get(0));
        if (!frozen.isEmpty()) {
            b.setFeatureExtractor(frozen.get(frozen.size() - 1));
        }
        for (GraphVertex v : graph.getVertices()) {
            if (!keep.contains(v.getVertexName()) && !graph.getConfiguration().getNetworkInputs().contains(v.getVertexName())) {
                b.removeVertexAndConnections(v.getVertexName());
            }
        }
        INDArray probe = channelsLast ? Nd4j.zeros(1, spec.height(), spec.width(), spec.channels()) : Nd4j.zeros(1, spec.channels(), spec.height(), spec.width());
        long[] shape = graph.output(List.of(cut), false, new INDArray[]{probe}, null)[0].shape();
        String input = "ft_flatten";
        if (shape.length == 4 && channelsLast) {
            // the head was trained on features flattened as the backbone flattens them: [h, w, c] in c order
            b.addVertex(input, new ReshapeVertex('c', new int[]{-1, Math.toIntExact(shape[1] * shape[2] * shape[3])}, null), cut);
        } else if (shape.length == 4) {
            b.addVertex(input, new PreprocessorVertex(new CnnToFeedForwardPreProcessor(shape[2], shape[3], shape[1])), cut);
        } else {
            input = cut;
        }
        for (int i = 0; i < head.getnLayers(); i++) {
            b.addLayer(headLayerName(i), head.getLayer(i).conf().getLayer().clone(), input);
            input = headLayerName(i);
        }
        ComputationGraph net = b.setOutputs(input).build();
        for (int i = 0; i < head.getnLayers(); i++) {
            Layer layer = net.getLayer(headLayerName(i));
            layer.setParams(head.getLayer(i).params().dup());
        }
        return net;
    }

    private static String headLayerName(int i) {
        return "ft_head" + i;
    }

    /** Layers with parameters below {@code firstTuned}, in topological order: these stay frozen. */
    private static List<String> frozenBelow(ComputationGraph graph, Set<String> keep, String firstTuned) {
        List<String> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            String name = vertices[i].getVertexName();
            if (name.equals(firstTuned)) {
                break;
            }
            if (keep.contains(name) && vertices[i].hasLayer()) {
                out.add(name);
            }
        }
        return out;
    }

    private static Set<String> ancestors(ComputationGraph graph, String cut) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(cut));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            GraphVertex v = graph.getVertex(name);
            if (v != null && v.getInputVertices() != null) {
                for (var in : v.getInputVertices()) {
                    todo.push(graph.getVertices()[in.getVertexIndex()].getVertexName());
                }
            }
        }
        return seen;
    }
}
