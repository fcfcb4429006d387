package dev.streamclassify.streams.wire;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Live quality of one model version over its sliding window of the latest labelled predictions (the model-quality
 * topic's value, keyed {@code model:vN}). {@code accuracy} is {@code correct / labelled}; per class, precision is null
 * when the version never predicted that class in the window, recall when the class never occurred.
 */
public record ModelQuality(String model, long version, double accuracy, long labelled, long correct, int window,
                           long labelledSinceStart, Map<String, ClassQuality> perClass,
                           Map<String, Map<String, Long>> confusion, Instant updatedAt) {

    /** @param support how often the class was the true label in the window */
    public record ClassQuality(Double precision, Double recall, long support) {
    }

    /** Figures of {@code pairs} (oldest first), the window of {@code model:vversion}. */
    public static ModelQuality of(String model, long version, List<LabelledPair> pairs, int window, long labelledSinceStart, Instant now) {
        Map<String, Map<String, Long>> confusion = new TreeMap<>();
        Map<String, Long> predictedAs = new TreeMap<>();
        Map<String, Long> actually = new TreeMap<>();
        long correct = 0;
        for (LabelledPair p : pairs) {
            confusion.computeIfAbsent(p.actual(), k -> new TreeMap<>()).merge(p.predicted(), 1L, Long::sum);
            predictedAs.merge(p.predicted(), 1L, Long::sum);
            actually.merge(p.actual(), 1L, Long::sum);
            if (p.predicted().equals(p.actual())) {
                correct++;
            }
        }
        Map<String, ClassQuality> perClass = new TreeMap<>();
        java.util.Set<String> classes = new java.util.TreeSet<>(predictedAs.keySet());
        classes.addAll(actually.keySet());
        for (String c : classes) {
            long tp = confusion.getOrDefault(c, Map.of()).getOrDefault(c, 0L);
            long predicted = predictedAs.getOrDefault(c, 0L);
            long support = actually.getOrDefault(c, 0L);
            perClass.put(c, new ClassQuality(predicted == 0 ? null : (double) tp / predicted, support == 0 ? null : (double) tp / support, support));
        }
        double accuracy = pairs.isEmpty() ? 0 : (double) correct / pairs.size();
        return new ModelQuality(model, version, accuracy, pairs.size(), correct, window, labelledSinceStart, perClass, confusion, now);
    }

    /** A predicted label and the true one. */
    public record LabelledPair(String predicted, String actual) {
    }
}
