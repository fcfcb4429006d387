package dev.streamclassify.model.backbone;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

/**
 * Writes a small Keras 2 model file the way Keras 2.2 / h5py 2 did: a Sequential
 * {@code conv(5x5, 4) -> maxpool(2) -> flatten -> dense(3, softmax)} on 1x28x28 channels-first input, its JSON in a
 * fixed-length string attribute {@code model_config}, its weights under {@code model_weights/<layer>/<layer>/}.
 *
 * <p>DL4J 1.0.0-M2.1 reads {@code model_config} into a 2048-byte native buffer first (and {@code keras_version} into
 * 5 bytes), so the attributes are kept within those sizes rather than relying on its retry loop.
 */
final class KerasFiles {

    static final int CONV_FILTERS = 4;
    static final int CLASSES = 3;
    /** 4 channels of 12x12 after the pooling layer. */
    static final int POOL_FEATURES = CONV_FILTERS * 12 * 12;

    private KerasFiles() {
    }

    /** @return the values written, keyed {@code <layer>/<param>} */
    static Map<String, float[]> writeSmallCnn(Path file, long seed) {
        byte[] config = modelConfig();
        if (config.length > 2048) {
            throw new IllegalStateException("model_config of " + config.length + " bytes would overflow DL4J's first read");
        }
        Random random = new Random(seed);
        Map<String, float[]> written = new LinkedHashMap<>();
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            H5File h5 = new H5File(file.toString(), H5F_ACC_TRUNC());
            try {
                stringAttribute(h5, "model_config", config);
                stringAttribute(h5, "keras_version", "2.2.4".getBytes(StandardCharsets.US_ASCII));
                stringAttribute(h5, "backend", "tensorflow".getBytes(StandardCharsets.US_ASCII));
                Group weights = h5.createGroup("model_weights");
                // Theano-style dimension order, which DL4J applies to channels_first layers: [out, in, rows, cols]
                layer(weights, "conv", new long[]{CONV_FILTERS, 1, 5, 5}, CONV_FILTERS, random, written);
                layer(weights, "dense", new long[]{POOL_FEATURES, CLASSES}, CLASSES, random, written);
                weights.close();
            } finally {
                h5.close();
            }
        }
        return written;
    }

    private static void layer(Group weights, String name, long[] kernelShape, int biasSize, Random random,
                              Map<String, float[]> written) {
        // Keras 2 nests a layer's weights one group deeper, under the layer's own name
        Group g = weights.createGroup(name);
        stringAttribute(g, "weight_names", (name + "/kernel").getBytes(StandardCharsets.US_ASCII));
        Group inner = g.createGroup(name);
        written.put(name + "/kernel", dataset(inner, "kernel", kernelShape, random));
        written.put(name + "/bias", dataset(inner, "bias", new long[]{biasSize}, random));
        inner.close();
        g.close();
    }

    private static float[] dataset(Group g, String name, long[] shape, Random random) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.1);
        }
        DataSpace space = new DataSpace(shape.length, shape);
        DataSet ds = g.createDataSet(name, PredType.NATIVE_FLOAT(), space);
        try (FloatPointer data = new FloatPointer(values)) {
            ds.write(data, PredType.NATIVE_FLOAT());
        }
        ds.close();
        space.close();
        return values;
    }

    /** A fixed-length (not variable-length) string, as h5py 2 stored Python bytes. */
    private static void stringAttribute(Group owner, String name, byte[] value) {
        DataSpace scalar = new DataSpace(H5S_SCALAR);
        StrType type = new StrType(PredType.C_S1(), value.length);
        Attribute a = owner.createAttribute(name, type, scalar);
        try (BytePointer p = new BytePointer(value.length)) {
            p.put(value);
            a.write(type, p);
        }
        a.close();
        type.close();
        scalar.close();
    }

    static byte[] modelConfig() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("class_name", "Sequential");
        ObjectNode config = root.putObject("config");
        config.put("name", "sequential_1");
        ArrayNode layers = config.putArray("layers");

        ObjectNode conv = layer(layers, "Conv2D", "conv");
        ArrayNode inputShape = conv.putArray("batch_input_shape");
        inputShape.addNull().add(1).add(28).add(28);
        conv.put("dtype", "float32");
        conv.put("filters", CONV_FILTERS);
        conv.putArray("kernel_size").add(5).add(5);
        conv.putArray("strides").add(1).add(1);
        conv.put("padding", "valid");
        conv.put("data_format", "channels_first");
        conv.putArray("dilation_rate").add(1).add(1);
        conv.put("activation", "relu");
        weighted(conv);

        ObjectNode pool = layer(layers, "MaxPooling2D", "pool");
        pool.putArray("pool_size").add(2).add(2);
        pool.put("padding", "valid");
        pool.putArray("strides").add(2).add(2);
        pool.put("data_format", "channels_first");

        layer(layers, "Flatten", "flatten").put("data_format", "channels_first");

        ObjectNode dense = layer(layers, "Dense", "dense");
        dense.put("units", CLASSES);
        dense.put("activation", "softmax");
        weighted(dense);

        root.put("keras_version", "2.2.4");
        root.put("backend", "tensorflow");
        try {
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode layer(ArrayNode layers, String className, String name) {
        ObjectNode layer = layers.addObject();
        layer.put("class_name", className);
        ObjectNode config = layer.putObject("config");
        config.put("name", name);
        config.put("trainable", true);
        return config;
    }

    private static void weighted(ObjectNode config) {
        config.put("use_bias", true);
        config.putObject("kernel_initializer").put("class_name", "GlorotUniform").putObject("config").putNull("seed");
        config.putObject("bias_initializer").put("class_name", "Zeros").putObject("config");
        config.putNull("kernel_regularizer");
        config.putNull("bias_regularizer");
        config.putNull("activity_regularizer");
        config.putNull("kernel_constraint");
        config.putNull("bias_constraint");
    }
}
