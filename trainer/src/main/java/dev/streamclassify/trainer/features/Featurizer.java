package dev.streamclassify.trainer.features;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.training.Progress;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the frozen backbone once per distinct image, in batches, through the feature cache. */
public final class Featurizer {

    private final Backbone backbone;
    private final Preprocessor preprocessor;
    private final int batchSize;

    public Featurizer(Backbone backbone, int batchSize) {
        this.backbone = backbone;
        this.preprocessor = new Preprocessor(backbone.info().preprocessing());
        this.batchSize = batchSize;
    }

    public Features featurize(Dataset data, FeatureCache cache, Progress progress) {
        int n = data.size();
        int f = backbone.info().featureSize();
        float[][] rows = new float[n][];
        int[] y = new int[n];
        Map<String, List<Integer>> missing = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LabelledImage img = data.images().get(i);
            y[i] = data.classIndex(img.label());
            String hash = img.contentHash();
            float[] hit = cache.get(hash).orElse(null);
            if (hit != null) {
                rows[i] = hit;
            } else {
                missing.computeIfAbsent(hash, h -> {
                    order.add(h);
                    return new ArrayList<>();
                }).add(i);
            }
        }
        int cached = n - missing.values().stream().mapToInt(List::size).sum();
        progress.start("featurize", order.size());
        for (int start = 0; start < order.size(); start += batchSize) {
            List<String> hashes = order.subList(start, Math.min(order.size(), start + batchSize));
            List<float[]> inputs = new ArrayList<>(hashes.size());
            for (String h : hashes) {
                inputs.add(preprocessor.apply(data.images().get(missing.get(h).get(0)).image()));
            }
            float[][] out = backbone.features(Batch.of(preprocessor.spec(), inputs)).toFloatMatrix();
            for (int k = 0; k < hashes.size(); k++) {
                cache.put(hashes.get(k), out[k]);
                for (int row : missing.get(hashes.get(k))) {
                    rows[row] = out[k];
                }
            }
            progress.step(hashes.size());
        }
        progress.done();
        INDArray x = n == 0 ? Nd4j.zeros(0, f) : Nd4j.create(rows);
        return new Features(x, y, data.labels(), order.size(), cached);
    }
}
