package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;

import java.util.ArrayList;
import java.util.List;

/**
 * The pooling of a spatial cut as a vertex of the graph itself, named {@code <cut><pooling suffix>}: the forward pass
 * stops there, and a head trained on one pooling names a cut layer that a backbone with another pooling lacks.
 */
final class CutPooling {

    private CutPooling() {
    }

    /** {@link #append(ComputationGraph, String, InputType, Pooling)} for a channels-first graph fed {@code spec} images. */
    static ComputationGraph append(ComputationGraph graph, String cut, PreprocessingSpec spec, Pooling pooling) {
        InputType input = InputType.convolutional(spec.height(), spec.width(), spec.channels());
        InputType cutType = graph.getConfiguration().getLayerActivationTypes(input).get(cut);
        if (cutType == null) {
            throw new IllegalArgumentException("no layer '" + cut + "'; layers: " + Backbone.layerNames(graph));
        }
        return append(graph, cut, cutType, pooling);
    }

    /**
     * Adds an average pooling vertex after the cut (global, or k x k cells that must tile the map exactly) and makes it
     * the output. Returns a new graph; the given one is left as it was (close it).
     */
    static ComputationGraph append(ComputationGraph graph, String cut, InputType cutType, Pooling pooling) {
        if (!(cutType instanceof InputType.InputTypeConvolutional type)) {
            throw new IllegalArgumentException("pooling needs a spatial cut, but " + cut + " outputs " + cutType + "; use pool=none");
        }
        String name = cut + pooling.suffix();
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(graph);
        if (pooling == Pooling.GLOBAL) {
            // GlobalPoolingLayer assumes channels-first; on a channels-last map the spatial dimensions are 1 and 2
            int[] dims = type.getFormat() == CNN2DFormat.NHWC ? new int[]{1, 2} : new int[]{2, 3};
            b.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).poolingDimensions(dims).build(), cut);
        } else {
            long h = type.getHeight();
            long w = type.getWidth();
            int k = pooling.grid();
            if (h % k != 0 || w % k != 0) {
                throw new IllegalArgumentException("pool " + pooling + " does not tile the " + h + "x" + w + " output of " + cut
                        + "; choose a grid that divides it (or another input size)");
            }
            b.addLayer(name, new SubsamplingLayer.Builder(PoolingType.AVG)
                    .kernelSize((int) (h / k), (int) (w / k)).stride((int) (h / k), (int) (w / k))
                    .dataFormat(type.getFormat()).build(), cut);
        }
        // the original outputs stay (DL4J refuses disconnected vertices); the forward pass to the cut never reaches them
        List<String> outputs = new ArrayList<>(graph.getConfiguration().getNetworkOutputs());
        outputs.remove(cut);
        outputs.add(name);
        return b.setOutputs(outputs.toArray(new String[0])).build();
    }
}
