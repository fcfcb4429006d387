package dev.streamclassify.streams.testing;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What each version predicts for each image, computed without Kafka: the reference live figures are checked against. */
public final class OfflinePredictions {

    private OfflinePredictions() {
    }

    /** @return version -> image id -> label */
    public static Map<Long, Map<String, String>> of(Backbone backbone, Map<Long, ModelVersion> versions, Map<String, byte[]> images)
            throws Exception {
        Map<Long, Map<String, String>> out = new HashMap<>();
        for (var v : versions.entrySet()) {
            try (Classifier c = Classifier.load(v.getValue(), backbone)) {
                Preprocessor pre = new Preprocessor(v.getValue().preprocessing());
                Map<String, String> labels = new HashMap<>();
                List<String> ids = List.copyOf(images.keySet());
                for (int from = 0; from < ids.size(); from += 64) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 64));
                    List<float[]> inputs = new ArrayList<>();
                    for (String id : chunk) {
                        inputs.add(pre.fromEncoded(images.get(id)));
                    }
                    var predicted = c.classify(Batch.of(pre.spec(), inputs), 1);
                    for (int i = 0; i < chunk.size(); i++) {
                        labels.put(chunk.get(i), predicted.get(i).label());
                    }
                }
                out.put(v.getKey(), labels);
            }
        }
        return out;
    }
}
