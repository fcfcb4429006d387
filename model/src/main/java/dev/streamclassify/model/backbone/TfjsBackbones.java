package dev.streamclassify.model.backbone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.backbone.internal.TfjsLayersModel;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.config.KerasModelConfiguration;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Backbones from TF.js LayersModels ({@code model.json} + binary shards), the format TF.js and Teachable Machine
 * export. The Keras topology inside is truncated at the cut layer, resized to the requested input, and imported with
 * DL4J's Keras import; the weights go through the same import ({@link KerasLayer#setWeights}), as if they had come
 * from an HDF5 file. Location syntax:
 * <pre>tfjs:/path/model.json#cutLayer[?pool=none|global|KxK][&amp;size=96][&amp;weights=random:SEED]</pre>
 * (options may also be separated by commas, which need no quoting in a shell or an environment variable).
 * {@code size} (square input, default the model's own) works for convolutional cuts since conv weights do not depend
 * on it; {@code weights=random:SEED} keeps the architecture and draws DL4J's initial weights instead (the control of
 * the transfer experiment). Input: RGB scaled to [-1, 1], as Keras MobileNet/Inception expect; grey is replicated.
 * The fingerprint is the sha256 of the imported topology (cut, size, pooling) and the weights.
 */
public final class TfjsBackbones {

    /** A parsed {@code tfjs:} location. {@code inputSize} null = the model's own; {@code randomSeed} null = the file's weights. */
    public record Spec(Path modelJson, String cutLayer, Pooling pooling, Integer inputSize, Long randomSeed) {

        public static Spec parse(String location) {
            int hash = location.lastIndexOf('#');
            if (hash < 0) {
                throw new IllegalArgumentException("tfjs backbone needs a cut layer: tfjs:/path/model.json#layer[?pool=3x3&size=96]");
            }
            String rest = location.substring(hash + 1);
            int q = rest.indexOf('?');
            String cut = q < 0 ? rest : rest.substring(0, q);
            if (cut.isEmpty()) {
                throw new IllegalArgumentException("tfjs backbone '" + location + "' names no cut layer after #");
            }
            Pooling pooling = Pooling.GLOBAL;
            Integer size = null;
            Long seed = null;
            if (q >= 0) {
                for (String option : rest.substring(q + 1).split("[&,]")) {
                    int eq = option.indexOf('=');
                    String key = eq < 0 ? option : option.substring(0, eq);
                    String value = eq < 0 ? "" : option.substring(eq + 1);
                    switch (key) {
                        case "pool" -> pooling = Pooling.parse(value);
                        case "size" -> size = parseSize(value);
                        case "weights" -> {
                            if (!value.startsWith("random:")) {
                                throw new IllegalArgumentException("weights must be random:SEED (the file's weights are the default), was '" + value + "'");
                            }
                            try {
                                seed = Long.parseLong(value.substring("random:".length()));
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("weights=random:SEED needs an integer seed, was '" + value + "'");
                            }
                        }
                        default -> throw new IllegalArgumentException("unknown tfjs backbone option '" + key + "'; known: pool, size, weights");
                    }
                }
            }
            return new Spec(Path.of(location.substring(0, hash)), cut, pooling, size, seed);
        }

        private static Integer parseSize(String value) {
            try {
                int size = Integer.parseInt(value);
                if (size >= 32 && size <= 1024) {
                    return size;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("size must be an integer in [32, 1024] (e.g. 96, 128, 160, 224), was '" + value + "'");
        }
    }

    private TfjsBackbones() {
    }

    /** @param location what follows {@code tfjs:} */
    public static Backbone load(String location) throws IOException {
        return load(Spec.parse(location));
    }

    public static Backbone load(Spec spec) throws IOException {
        TfjsLayersModel model = TfjsLayersModel.read(spec.modelJson());
        ObjectNode config = model.truncatedModelConfig(spec.cutLayer(), spec.inputSize());
        int size = inputSize(config);
        Imported imported = importGraph(model, config, spec.cutLayer(), spec.randomSeed());
        ComputationGraph graph = imported.graph();
        String cut = spec.cutLayer();
        if (spec.pooling() != Pooling.NONE) {
            ComputationGraph pooled;
            try {
                pooled = CutPooling.append(graph, cut, imported.cutType(), spec.pooling());
            } finally {
                graph.close();
            }
            graph = pooled;
            cut = cut + spec.pooling().suffix();
        }
        String fingerprint = fingerprint(config, spec, graph);
        String name = spec.modelJson().toAbsolutePath().getParent().getFileName() + "/" + spec.cutLayer()
                + "@" + size + (spec.randomSeed() == null ? "" : "/random:" + spec.randomSeed());
        try {
            return Backbone.of(graph, name, fingerprint, cut, minusOneToOne(size));
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * A {@link BackboneDescriptor} naming a TF.js model.json: its cutLayer may carry the options of a location
     * ({@code block_10_project_BN?pool=3x3}), the input size is the descriptor's and its preprocessing must be [-1, 1].
     */
    static Backbone fromDescriptor(Path modelJson, String cutLayerAndOptions, PreprocessingSpec preprocessing) throws IOException {
        Spec spec = Spec.parse(modelJson + "#" + cutLayerAndOptions);
        if (preprocessing.height() != preprocessing.width() || !preprocessing.equals(minusOneToOne(preprocessing.height()))) {
            throw new IllegalArgumentException("a TF.js backbone descriptor needs square input scaled to [-1, 1] (scale 1/127.5, mean 1, std 1), was " + preprocessing);
        }
        if (spec.inputSize() != null && spec.inputSize() != preprocessing.height()) {
            throw new IllegalArgumentException("descriptor cutLayer says size=" + spec.inputSize() + " but its preprocessing is " + preprocessing.height() + " px");
        }
        return load(new Spec(spec.modelJson(), spec.cutLayer(), spec.pooling(), preprocessing.height(), spec.randomSeed()));
    }

    /** Keras MobileNet / Inception input: {@code x / 127.5 - 1} per RGB channel. */
    public static PreprocessingSpec minusOneToOne(int size) {
        return new PreprocessingSpec(size, size, 3, 1.0 / 127.5, List.of(1.0, 1.0, 1.0), List.of(1.0, 1.0, 1.0));
    }

    /** The imported graph and the type of its cut layer's output (Keras' own shape inference). */
    private record Imported(ComputationGraph graph, InputType cutType) {
    }

    private static Imported importGraph(TfjsLayersModel model, ObjectNode config, String cut, Long randomSeed) throws IOException {
        try {
            KerasModel keras = new KerasModelBuilder(new KerasModelConfiguration())
                    .modelJson(Json.MAPPER.writeValueAsString(config))
                    .enforceTrainingConfig(false)
                    .buildModel();
            if (randomSeed != null) {
                return new Imported(seeded(keras.getComputationGraphConfiguration(), randomSeed), keras.getOutputTypes().get(cut));
            }
            for (KerasLayer layer : keras.getLayers().values()) {
                Map<String, TfjsLayersModel.Tensor> tensors = model.weightsOf(layer.getLayerName());
                if (layer.getNumParams() > 0 && tensors.isEmpty()) {
                    throw new IOException(model.file() + ": layer " + layer.getLayerName() + " has no weights in the manifest");
                }
                if (!tensors.isEmpty()) {
                    Map<String, INDArray> arrays = new HashMap<>();
                    tensors.forEach((k, t) -> arrays.put(k, Nd4j.create(t.values(), t.shape(), 'c')));
                    layer.setWeights(arrays);
                }
            }
            return new Imported(keras.getComputationGraph(true), keras.getOutputTypes().get(cut));
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException e) {
            throw new IOException("cannot import the Keras topology of " + model.file() + ": " + e.getMessage(), e);
        }
    }

    /** DL4J's initial weights drawn from a fixed seed, so the control (and its cached features) is repeatable. */
    private static ComputationGraph seeded(ComputationGraphConfiguration conf, long seed) {
        conf.getDefaultConfiguration().setSeed(seed);
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                lv.getLayerConf().setSeed(seed);
            }
        }
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static int inputSize(ObjectNode config) {
        for (var l : config.path("config").path("layers")) {
            if (l.path("class_name").asText().equals("InputLayer")) {
                return l.path("config").path("batch_input_shape").path(1).asInt();
            }
        }
        throw new IllegalStateException("no input layer");
    }

    private static String fingerprint(ObjectNode config, Spec spec, ComputationGraph graph) throws IOException {
        MessageDigest md = Hashing.sha256();
        md.update(Json.MAPPER.writeValueAsBytes(config));
        md.update(("\npool=" + spec.pooling() + "\n").getBytes(StandardCharsets.UTF_8));
        float[] params = graph.params().toFloatVector();
        ByteBuffer buf = ByteBuffer.allocate(params.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(params);
        md.update(buf.array());
        return "sha256:" + java.util.HexFormat.of().formatHex(md.digest());
    }
}
