package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small synthetic images and datasets whose every image is distinct, so hashes identify them. */
final class TestImages {

    private TestImages() {
    }

    static RawImage gray(int width, int height, long seed) {
        byte[] px = new byte[width * height];
        new Random(seed).nextBytes(px);
        return new RawImage(width, height, 1, px);
    }

    static RawImage colour(int width, int height, long seed) {
        byte[] px = new byte[width * height * 3];
        new Random(seed).nextBytes(px);
        return new RawImage(width, height, 3, px);
    }

    /** Classes interleaved round-robin until each has its count, so order-preservation is visible. */
    static Dataset interleaved(Map<String, Integer> counts) {
        Map<String, Integer> left = new LinkedHashMap<>(counts);
        List<LabelledImage> images = new ArrayList<>();
        long seed = 0;
        while (left.values().stream().anyMatch(n -> n > 0)) {
            for (var e : left.entrySet()) {
                if (e.getValue() > 0) {
                    images.add(new LabelledImage(e.getKey(), gray(4, 3, seed++)));
                    e.setValue(e.getValue() - 1);
                }
            }
        }
        return new Dataset(List.copyOf(counts.keySet()), images);
    }

    static Map<String, Integer> counts(Object... labelAndCount) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < labelAndCount.length; i += 2) {
            m.put((String) labelAndCount[i], (Integer) labelAndCount[i + 1]);
        }
        return m;
    }
}
