package dev.streamclassify.model.backbone.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TF.js LayersModel as the TF.js converter writes it ({@code model.json} with {@code modelTopology} and
 * {@code weightsManifest}, weights in binary shards next to it), read without TF.js. Weights are dequantized the way
 * TF.js's own loader does it, {@code min + q * scale} in double then stored as float32, so the import sees exactly the
 * numbers the reference runtime sees. Every file is treated as hostile: shard paths must stay in the model's folder and
 * the shards must hold exactly the bytes the manifest declares.
 */
public final class TfjsLayersModel {

    /** One tensor of the manifest, dequantized, in its TF.js (Keras, channels-last) shape. */
    public record Tensor(String name, long[] shape, float[] values) {
    }

    private final Path file;
    private final ObjectNode topology;
    private final Map<String, Tensor> tensors;
    private final byte[] weightBytes;

    private TfjsLayersModel(Path file, ObjectNode topology, Map<String, Tensor> tensors, byte[] weightBytes) {
        this.file = file;
        this.topology = topology;
        this.tensors = tensors;
        this.weightBytes = weightBytes;
    }

    public static TfjsLayersModel read(Path modelJson) throws IOException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(modelJson.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new NoSuchFileException(modelJson.toString(), null, "TF.js model file is missing");
        } catch (IOException e) {
            throw new IOException("TF.js model " + modelJson + " is not JSON: " + e.getMessage(), e);
        }
        if (!(root.get("modelTopology") instanceof ObjectNode topology) || !(topology.get("model_config") instanceof ObjectNode)) {
            throw new IOException(modelJson + " is not a TF.js LayersModel: no modelTopology.model_config"
                    + (root.has("signature") || root.path("format").asText().equals("graph-model") ? " (a graph model: only layers models can be imported)" : ""));
        }
        if (!(root.get("weightsManifest") instanceof ArrayNode manifest)) {
            throw new IOException(modelJson + " has no weightsManifest");
        }
        Path dir = modelJson.toAbsolutePath().normalize().getParent();
        ByteArrayCollector all = new ByteArrayCollector();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (JsonNode group : manifest) {
            ByteArrayCollector groupBytes = new ByteArrayCollector();
            for (JsonNode p : group.path("paths")) {
                groupBytes.add(Files.readAllBytes(shard(dir, p.asText(), modelJson)));
            }
            byte[] bytes = groupBytes.toArray();
            all.add(bytes);
            int offset = 0;
            for (JsonNode w : group.path("weights")) {
                Tensor t = tensor(w, bytes, offset, modelJson);
                offset += byteLength(w, t.values().length);
                if (tensors.put(t.name(), t) != null) {
                    throw new IOException(modelJson + " declares weight " + t.name() + " twice");
                }
            }
            if (offset != bytes.length) {
                throw new IOException(modelJson + ": a weight group's shards hold " + bytes.length + " bytes but its manifest declares " + offset);
            }
        }
        return new TfjsLayersModel(modelJson, topology, tensors, all.toArray());
    }

    /** The Keras {@code model_config}, as imported: the layers the cut does not depend on are gone. */
    public ObjectNode truncatedModelConfig(String cutLayer, Integer inputSize) throws IOException {
        ObjectNode config = topology.get("model_config").deepCopy();
        String className = config.path("class_name").asText();
        if (!className.equals("Model") && !className.equals("Functional")) {
            throw new IOException(file + ": only functional Keras models (class_name Model or Functional) can be imported, this is '" + className + "'");
        }
        ArrayNode layers = (ArrayNode) config.path("config").path("layers");
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode l : layers) {
            byName.put(l.path("name").asText(), l);
        }
        if (!byName.containsKey(cutLayer)) {
            throw new IllegalArgumentException(file + " has no layer '" + cutLayer + "'; layers: " + byName.keySet());
        }
        Set<String> keep = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(cutLayer));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (keep.add(name)) {
                for (JsonNode node : byName.get(name).path("inbound_nodes")) {
                    for (JsonNode inbound : node) {
                        String in = inbound.path(0).asText();
                        if (!byName.containsKey(in)) {
                            throw new IOException(file + ": layer " + name + " reads from unknown layer '" + in + "'");
                        }
                        todo.push(in);
                    }
                }
            }
        }
        ArrayNode kept = Json.MAPPER.createArrayNode();
        List<String> inputs = new ArrayList<>();
        for (JsonNode l : layers) {
            String name = l.path("name").asText();
            if (!keep.contains(name)) {
                continue;
            }
            String cls = l.path("class_name").asText();
            if (!SUPPORTED.contains(cls)) {
                throw new IllegalArgumentException(file + ": layer " + name + " is a " + cls + ", which the tfjs: import does not support; supported: " + SUPPORTED);
            }
            if (cls.equals("InputLayer")) {
                inputs.add(name);
                if (inputSize != null) {
                    ArrayNode shape = (ArrayNode) l.path("config").path("batch_input_shape");
                    if (shape.size() != 4) {
                        throw new IOException(file + ": input " + name + " is not an image input: batch_input_shape " + shape);
                    }
                    shape.set(1, inputSize);
                    shape.set(2, inputSize);
                }
            }
            floatsAsFloats((ObjectNode) l.path("config"));
            kept.add(l);
        }
        ObjectNode inner = (ObjectNode) config.get("config");
        inner.set("layers", kept);
        if (inputs.size() != 1) {
            throw new IOException(file + ": the cut must depend on exactly one input, found " + inputs);
        }
        inner.putArray("input_layers").addArray().add(inputs.get(0)).add(0).add(0);
        inner.putArray("output_layers").addArray().add(cutLayer).add(0).add(0);
        config.put("keras_version", topology.path("keras_version").asText("2.2.4"));
        config.put("backend", topology.path("backend").asText("tensorflow"));
        return config;
    }

    /**
     * JavaScript writes the float 6.0 as {@code 6}; DL4J's import casts such fields to Double and fails on an Integer,
     * so the float-valued Keras fields are written back as floats (same values).
     */
    private static void floatsAsFloats(ObjectNode config) {
        for (String field : FLOAT_FIELDS) {
            JsonNode v = config.get(field);
            if (v != null && v.isIntegralNumber()) {
                config.put(field, v.doubleValue());
            }
        }
    }

    private static final Set<String> FLOAT_FIELDS = Set.of("max_value", "negative_slope", "threshold", "epsilon",
            "momentum", "rate", "alpha", "l1", "l2", "stddev");

    /** Weights of one Keras layer keyed by their short names ({@code kernel}, {@code moving_variance}, ...). */
    public Map<String, Tensor> weightsOf(String layer) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String prefix = layer + "/";
        tensors.forEach((name, t) -> {
            if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0) {
                out.put(name.substring(prefix.length()), t);
            }
        });
        return out;
    }

    /** The shards' bytes as stored (still quantized), in manifest order. */
    public byte[] weightBytes() {
        return weightBytes.clone();
    }

    public Path file() {
        return file;
    }

    /** Keras layer classes whose DL4J import this source has been checked with (MobileNetV2, InceptionV3 family). */
    public static final Set<String> SUPPORTED = Set.of("InputLayer", "ZeroPadding2D", "Conv2D", "DepthwiseConv2D",
            "SeparableConv2D", "BatchNormalization", "ReLU", "Activation", "Add", "Concatenate", "AveragePooling2D",
            "MaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Dense", "Flatten", "Dropout");

    private static Path shard(Path dir, String relative, Path modelJson) throws IOException {
        Path p = dir.resolve(relative).normalize();
        if (relative.isEmpty() || !p.startsWith(dir) || Path.of(relative).isAbsolute()) {
            throw new IOException(modelJson + ": weight shard path '" + relative + "' leaves the model's folder");
        }
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "weight shard named by " + modelJson + " is missing");
        }
        return p;
    }

    private static Tensor tensor(JsonNode w, byte[] bytes, int offset, Path modelJson) throws IOException {
        String name = w.path("name").asText();
        long[] shape = new long[w.path("shape").size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = w.path("shape").path(i).asLong(-1);
            if (shape[i] < 0) {
                throw new IOException(modelJson + ": weight " + name + " has a bad shape " + w.path("shape"));
            }
            count *= shape[i];
        }
        if (count > Integer.MAX_VALUE / 4) {
            throw new IOException(modelJson + ": weight " + name + " is too large (" + count + " values)");
        }
        int n = (int) count;
        if (!w.path("dtype").asText().equals("float32")) {
            throw new IOException(modelJson + ": weight " + name + " has dtype '" + w.path("dtype").asText() + "'; only float32 weights are supported");
        }
        int length = byteLength(w, n);
        if (offset + (long) length > bytes.length) {
            throw new IOException(modelJson + ": the shards end inside weight " + name + " (need " + (offset + (long) length) + " bytes, have " + bytes.length + ")");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[n];
        JsonNode q = w.get("quantization");
        if (q == null) {
            buf.asFloatBuffer().get(values);
        } else {
            double min = q.path("min").asDouble(Double.NaN);
            double scale = q.path("scale").asDouble(Double.NaN);
            if (!Double.isFinite(min) || !Double.isFinite(scale)) {
                throw new IOException(modelJson + ": weight " + name + " has a quantization without finite min and scale: " + q);
            }
            boolean uint8 = q.path("dtype").asText().equals("uint8");
            for (int i = 0; i < n; i++) {
                int v = uint8 ? bytes[offset + i] & 0xFF : buf.getShort(offset + 2 * i) & 0xFFFF;
                values[i] = (float) (min + v * scale);
            }
        }
        return new Tensor(name, shape, values);
    }

    private static int byteLength(JsonNode w, int count) throws IOException {
        JsonNode q = w.get("quantization");
        if (q == null) {
            return 4 * count;
        }
        return switch (q.path("dtype").asText()) {
            case "uint8" -> count;
            case "uint16" -> 2 * count;
            default -> throw new IOException("weight " + w.path("name").asText() + " uses quantization dtype '" + q.path("dtype").asText()
                    + "'; only uint8 and uint16 (min + q * scale) are supported");
        };
    }

    /** Concatenates byte arrays without a stream, to keep sizes exact and checked. */
    private static final class ByteArrayCollector {
        private final List<byte[]> parts = new ArrayList<>();
        private long size;

        void add(byte[] b) throws IOException {
            size += b.length;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException("weights larger than 2 GB are not supported");
            }
            parts.add(b);
        }

        byte[] toArray() {
            byte[] out = new byte[(int) size];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }
    }
}
