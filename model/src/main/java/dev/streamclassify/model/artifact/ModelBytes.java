package dev.streamclassify.model.artifact;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * DL4J networks as ModelSerializer bytes, without updater state: for backbone files read from local disk only. Never
 * for anything that travels over Kafka: restoring such bytes runs Java deserialization (model versions use
 * {@link RawParams}).
 */
public final class ModelBytes {

    private ModelBytes() {
    }

    public static byte[] of(Model model) {
        var out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(model, out, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
