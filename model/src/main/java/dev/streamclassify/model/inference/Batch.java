package dev.streamclassify.model.inference;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/** The one place where preprocessed images become a network input of shape {@code [n, channels, height, width]}. */
public final class Batch {

    private Batch() {
    }

    public static INDArray of(PreprocessingSpec spec, List<float[]> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one image");
        }
        int per = spec.valuesPerImage();
        float[] flat = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            float[] img = images.get(i);
            if (img.length != per) {
                throw new IllegalArgumentException("image " + i + " has " + img.length + " values, spec wants " + per);
            }
            System.arraycopy(img, 0, flat, i * per, per);
        }
        return Nd4j.create(flat, new long[]{images.size(), spec.channels(), spec.height(), spec.width()}, 'c');
    }
}
