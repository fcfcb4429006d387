package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Loads backbones from every supported source. A location string, as used in configuration:
 * <ul>
 *   <li>{@code default}: the backbone shipped in this jar (pre-trained by our own trainer);</li>
 *   <li>{@code file:/path/backbone.json}: a DL4J model described by a {@link BackboneDescriptor};</li>
 *   <li>{@code zoo:<name>}: a DL4J zoo model with ImageNet weights, see {@link ZooBackbones};</li>
 *   <li>{@code keras:/path/model.h5#<cutLayer>}: a Keras model, ImageNet-normalised 224x224 RGB unless a
 *       descriptor is given instead ({@code file:} descriptor whose modelFile ends in .h5);</li>
 *   <li>{@code tfjs:/path/model.json#<cutLayer>?pool=3x3&size=96}: a TF.js LayersModel, see {@link TfjsBackbones}
 *       (or a {@code file:} descriptor whose modelFile ends in .json).</li>
 * </ul>
 */
public final class Backbones {

    public static final String DEFAULT_RESOURCE = "/backbones/default/backbone.json";

    /** Input vertex name of graphs converted from a MultiLayerNetwork (the name DL4J's own conversion uses). */
    private static final String GRAPH_INPUT = "in";

    private Backbones() {
    }

    public static Backbone load(String location) throws IOException {
        if (location == null || location.isBlank() || location.equals("default")) {
            return loadDefault();
        }
        int colon = location.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("backbone location '" + location + "' must be default, file:, zoo:, keras: or tfjs:");
        }
        String kind = location.substring(0, colon);
        String rest = location.substring(colon + 1);
        return switch (kind) {
            case "file" -> fromDescriptor(Path.of(rest));
            case "zoo" -> ZooBackbones.load(rest);
            case "tfjs" -> TfjsBackbones.load(rest);
            case "keras" -> {
                int hash = rest.lastIndexOf('#');
                if (hash < 0) {
                    throw new IllegalArgumentException("keras backbone needs a cut layer: keras:/path/model.h5#layer");
                }
                yield fromKeras(Path.of(rest.substring(0, hash)), rest.substring(hash + 1), PreprocessingSpec.imageNet(224, 224));
            }
            default -> throw new IllegalArgumentException("unknown backbone kind '" + kind + "' in '" + location + "'");
        };
    }

    /** The backbone committed to the repository and shipped on the classpath. */
    public static Backbone loadDefault() throws IOException {
        BackboneDescriptor d;
        try (InputStream in = resource(DEFAULT_RESOURCE)) {
            d = Json.MAPPER.readValue(in, BackboneDescriptor.class);
        }
        byte[] model;
        try (InputStream in = resource("/backbones/default/" + d.modelFile())) {
            model = in.readAllBytes();
        }
        return fromBytes(d.name(), model, d.cutLayer(), d.preprocessing());
    }

    public static Backbone fromDescriptor(Path descriptorJson) throws IOException {
        BackboneDescriptor d = Json.MAPPER.readValue(descriptorJson.toFile(), BackboneDescriptor.class);
        Path model = descriptorJson.toAbsolutePath().getParent().resolve(d.modelFile());
        if (d.modelFile().endsWith(".h5")) {
            return fromKeras(model, d.cutLayer(), d.preprocessing());
        }
        if (d.modelFile().endsWith(".json")) {
            return TfjsBackbones.fromDescriptor(model, d.cutLayer(), d.preprocessing());
        }
        return fromBytes(d.name(), Files.readAllBytes(model), d.cutLayer(), d.preprocessing());
    }

    /** A DL4J model file (MultiLayerNetwork or ComputationGraph, as written by ModelSerializer). */
    public static Backbone fromBytes(String name, byte[] modelZip, String cutLayer, PreprocessingSpec spec) throws IOException {
        return Backbone.of(restoreGraph(modelZip), name, Hashing.fingerprint(modelZip), cutLayer, spec);
    }

    public static Backbone fromKeras(Path h5, String cutLayer, PreprocessingSpec spec) throws IOException {
        ComputationGraph graph;
        try {
            graph = importKeras(h5);
        } catch (RuntimeException e) {
            // the HDF5 bindings report a file that is not HDF5 as a bare RuntimeException ("H5Fopen failed")
            throw new IOException("cannot import Keras model " + h5 + ": " + e.getMessage(), e);
        }
        return Backbone.of(graph, h5.getFileName().toString(), Hashing.fingerprint(h5), cutLayer, spec);
    }

    private static ComputationGraph importKeras(Path h5) throws IOException {
        try {
            return KerasModelImport.importKerasModelAndWeights(h5.toString(), false);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException e) {
            try {
                return asGraph(KerasModelImport.importKerasSequentialModelAndWeights(h5.toString(), false));
            } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException e2) {
                e2.addSuppressed(e);
                throw new IOException("cannot import Keras model " + h5 + ": " + e2.getMessage(), e2);
            }
        }
    }

    /** Restores either network type as a graph, so cutting and fine-tuning have one code path. */
    public static ComputationGraph restoreGraph(byte[] modelZip) throws IOException {
        if (isGraph(modelZip)) {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelZip), false);
        }
        return asGraph(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(modelZip), false));
    }

    /** A MultiLayerNetwork is converted (and closed); a ComputationGraph is returned as is. */
    static ComputationGraph asGraph(Model model) {
        if (model instanceof ComputationGraph g) {
            return g;
        }
        if (model instanceof MultiLayerNetwork m) {
            try {
                return toNamedGraph(m);
            } finally {
                m.close();
            }
        }
        throw new IllegalArgumentException("unsupported model type " + model.getClass().getName());
    }

    /**
     * Like {@link MultiLayerNetwork#toComputationGraph()}, but the vertices keep the layers' names: DL4J's own
     * conversion renames them "0", "1", ..., which would make a cut layer given by name impossible to find.
     */
    private static ComputationGraph toNamedGraph(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        int n = conf.getConfs().size();
        List<String> names = new ArrayList<>(n);
        Set<String> taken = new HashSet<>(Set.of(GRAPH_INPUT));
        for (int i = 0; i < n; i++) {
            String name = conf.getConf(i).getLayer().getLayerName();
            if (name == null || !taken.add(name)) {
                name = "layer" + i;
                while (!taken.add(name)) {
                    name += "_";
                }
            }
            names.add(name);
        }
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .dataType(conf.getDataType())
                .graphBuilder()
                .addInputs(GRAPH_INPUT);
        String prev = GRAPH_INPUT;
        for (int i = 0; i < n; i++) {
            b.addLayer(names.get(i), conf.getConf(i).getLayer(), conf.getInputPreProcess(i), prev);
            prev = names.get(i);
        }
        ComputationGraph graph = new ComputationGraph(b.setOutputs(prev).build());
        graph.init();
        graph.setParams(net.params());
        return graph;
    }

    private static boolean isGraph(byte[] modelZip) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("configuration.json")) {
                    String conf = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                    return conf.contains("\"vertices\"");
                }
            }
        }
        throw new IOException("not a DL4J model file: no configuration.json entry");
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Backbones.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("classpath resource " + name + " is missing");
        }
        return in;
    }
}
