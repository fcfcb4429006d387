package dev.streamclassify.model.backbone;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a small TF.js LayersModel the way the TF.js converter lays it out: a functional Keras 2.2.4 topology
 * {@code input(32x32x3) -> conv(3x3, 4, relu) -> bn -> relu6 -> gap -> dense(2)}, channels-last, weights in one shard
 * with float32, uint8- and uint16-quantized tensors. {@code Dense} follows the cut layers, so truncation is exercised.
 */
public final class TfjsFiles {

    static final int SIZE = 32;
    static final int FILTERS = 4;

    /** The quantization of the BN gamma (uint8): min, scale and the stored bytes. */
    static final double GAMMA_MIN = 0.5;
    static final double GAMMA_SCALE = 0.01;
    static final byte[] GAMMA_Q = {0, 10, (byte) 200, (byte) 255};

    private TfjsFiles() {
    }

    /** @param extraClass class of an extra layer appended after conv and feeding nothing, or null */
    public static Path write(Path dir, String extraClass) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(5);
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", "layers-model");
        ObjectNode topology = root.putObject("modelTopology");
        topology.put("keras_version", "2.2.4");
        topology.put("backend", "tensorflow");
        ObjectNode model = topology.putObject("model_config");
        model.put("class_name", "Model");
        ObjectNode config = model.putObject("config");
        config.put("name", "tiny");
        ArrayNode layers = config.putArray("layers");

        ObjectNode input = layer(layers, "InputLayer", "input_1", null);
        input.putArray("batch_input_shape").addNull().add(SIZE).add(SIZE).add(3);
        input.put("dtype", "float32");
        ObjectNode conv = layer(layers, "Conv2D", "conv", "input_1");
        conv.put("filters", FILTERS);
        conv.putArray("kernel_size").add(3).add(3);
        conv.putArray("strides").add(1).add(1);
        conv.put("padding", "valid");
        conv.put("data_format", "channels_last");
        conv.putArray("dilation_rate").add(1).add(1);
        conv.put("activation", "relu");
        conv.put("use_bias", true);
        initializers(conv, "kernel", "bias");
        ObjectNode bn = layer(layers, "BatchNormalization", "bn", "conv");
        bn.put("axis", -1);
        bn.put("momentum", 0.99);
        bn.put("epsilon", 0.001);
        bn.put("center", true);
        bn.put("scale", true);
        initializers(bn, "beta", "gamma", "moving_mean", "moving_variance");
        ObjectNode relu = layer(layers, "ReLU", "relu", "bn");
        relu.put("max_value", 6); // JavaScript writes 6.0 as 6
        relu.put("negative_slope", 0);
        relu.put("threshold", 0);
        layer(layers, "GlobalAveragePooling2D", "gap", "relu").put("data_format", "channels_last");
        ObjectNode dense = layer(layers, "Dense", "dense", "gap");
        dense.put("units", 2);
        dense.put("activation", "softmax");
        dense.put("use_bias", true);
        initializers(dense, "kernel", "bias");
        if (extraClass != null) {
            layer(layers, extraClass, "extra", "conv");
        }
        config.putArray("input_layers").addArray().add("input_1").add(0).add(0);
        config.putArray("output_layers").addArray().add("dense").add(0).add(0);

        ArrayNode weights = Json.MAPPER.createArrayNode();
        floats(weights, bin, "conv/kernel", random, 3, 3, 3, FILTERS);
        floats(weights, bin, "conv/bias", random, FILTERS);
        ObjectNode gamma = weight(weights, "bn/gamma", FILTERS);
        gamma.putObject("quantization").put("min", GAMMA_MIN).put("scale", GAMMA_SCALE).put("dtype", "uint8");
        bin.write(GAMMA_Q);
        uint8(weights, bin, "bn/beta", random, -0.2, 0.002, FILTERS);
        uint8(weights, bin, "bn/moving_mean", random, -0.5, 0.004, FILTERS);
        uint8(weights, bin, "bn/moving_variance", random, 0.2, 0.01, FILTERS);
        ObjectNode dk = weight(weights, "dense/kernel", FILTERS, 2);
        dk.putObject("quantization").put("min", -1.0).put("scale", 2.0 / 65535).put("dtype", "uint16");
        ByteBuffer u16 = ByteBuffer.allocate(2 * FILTERS * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < FILTERS * 2; i++) {
            u16.putShort((short) random.nextInt(65536));
        }
        bin.write(u16.array());
        floats(weights, bin, "dense/bias", random, 2);

        ArrayNode manifest = root.putArray("weightsManifest");
        ObjectNode group = manifest.addObject();
        group.putArray("paths").add("group1-shard1of1.bin");
        group.set("weights", weights);
        Files.write(dir.resolve("group1-shard1of1.bin"), bin.toByteArray());
        Path json = dir.resolve("model.json");
        Json.MAPPER.writeValue(json.toFile(), root);
        return json;
    }

    private static ObjectNode layer(ArrayNode layers, String cls, String name, String inbound) {
        ObjectNode l = layers.addObject();
        l.put("name", name);
        l.put("class_name", cls);
        ObjectNode c = l.putObject("config");
        c.put("name", name);
        c.put("trainable", false);
        ArrayNode nodes = l.putArray("inbound_nodes");
        if (inbound != null) {
            nodes.addArray().addArray().add(inbound).add(0).add(0).addObject();
        }
        return c;
    }

    /** What Keras writes for every weighted layer; DL4J's import insists on the initializer fields. */
    private static void initializers(ObjectNode config, String... params) {
        for (String p : params) {
            config.putObject(p + "_initializer").put("class_name", p.equals("kernel") ? "GlorotUniform" : p.contains("variance") || p.equals("gamma") ? "Ones" : "Zeros")
                    .putObject("config");
            config.putNull(p + "_regularizer");
            config.putNull(p + "_constraint");
        }
        config.putNull("activity_regularizer");
    }

    private static ObjectNode weight(ArrayNode weights, String name, int... shape) {
        ObjectNode w = weights.addObject();
        w.put("name", name);
        ArrayNode s = w.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
        w.put("dtype", "float32");
        return w;
    }

    private static void floats(ArrayNode weights, ByteArrayOutputStream bin, String name, Random random, int... shape) {
        weight(weights, name, shape);
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) (random.nextGaussian() * 0.3));
        }
        bin.writeBytes(b.array());
    }

    private static void uint8(ArrayNode weights, ByteArrayOutputStream bin, String name, Random random, double min, double scale, int n) {
        weight(weights, name, n).putObject("quantization").put("min", min).put("scale", scale).put("dtype", "uint8");
        for (int i = 0; i < n; i++) {
            bin.write(random.nextInt(256));
        }
    }
}
