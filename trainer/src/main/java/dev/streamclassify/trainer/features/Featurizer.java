package dev.streamclassify.trainer.features;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.progress.Progress;
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
        int[] y = new int[n];
        List<RawImage> images = new ArrayList<>(n);
        List<String> hashes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LabelledImage img = data.images().get(i);
            y[i] = data.classIndex(img.label());
            images.add(img.image());
            hashes.add(img.contentHash());
        }
        Rows rows = rows(images, hashes, cache, progress);
        return new Features(rows.x(), y, data.labels(), rows.computed(), n - rows.computedRows());
    }

    /** Features of unlabelled images: {@code x} is {@code [n, featureSize]} in the order given. */
    public record Unlabelled(INDArray x, int computed, int cached) {
    }

    /** Unlabelled images through the same cache and preprocessing as labelled ones. */
    public Unlabelled featurizeUnlabelled(List<RawImage> images, FeatureCache cache, Progress progress) {
        List<String> hashes = images.stream().map(LabelledImage::contentHash).toList();
        Rows rows = rows(images, hashes, cache, progress);
        return new Unlabelled(rows.x(), rows.computed(), images.size() - rows.computedRows());
    }

    /**
     * One backbone pass over {@code images}, bypassing the cache: one row of features per image, in order. For images
     * that are seen once (the stream's), where a disk cache would only grow.
     */
    public float[][] features(List<RawImage> images) {
        List<float[]> inputs = new ArrayList<>(images.size());
        for (RawImage image : images) {
            inputs.add(preprocessor.apply(image));
        }
        try (INDArray input = Batch.of(preprocessor.spec(), inputs); INDArray features = backbone.features(input)) {
            return dev.streamclassify.model.inference.Rows.of(features);
        }
    }

    /** @param computed distinct images run through the backbone; {@code computedRows} rows they filled */
    private record Rows(INDArray x, int computed, int computedRows) {
    }

    private Rows rows(List<RawImage> images, List<String> hashes, FeatureCache cache, Progress progress) {
        int n = images.size();
        int f = backbone.info().featureSize();
        float[][] rows = new float[n][];
        Map<String, List<Integer>> missing = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String hash = hashes.get(i);
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
        int computedRows = missing.values().stream().mapToInt(List::size).sum();
        progress.start("featurize", order.size());
        for (int start = 0; start < order.size(); start += batchSize) {
            List<String> batch = order.subList(start, Math.min(order.size(), start + batchSize));
            List<RawImage> distinct = new ArrayList<>(batch.size());
            for (String h : batch) {
                distinct.add(images.get(missing.get(h).get(0)));
            }
            float[][] out = features(distinct);
            for (int k = 0; k < batch.size(); k++) {
                cache.put(batch.get(k), out[k]);
                for (int row : missing.get(batch.get(k))) {
                    rows[row] = out[k];
                }
            }
            progress.step(batch.size());
        }
        progress.done();
        INDArray x = n == 0 ? Nd4j.zeros(0, f) : Nd4j.create(rows);
        return new Rows(x, order.size(), computedRows);
    }
}
