package dev.streamclassify.trainer.control.service;

import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Disjoint slices of the committed Fashion-MNIST sample, so each test data set is new to the feature cache. */
final class TestData {

    private static final Dataset SAMPLE = FashionMnist.sampleTrain();

    private TestData() {
    }

    /** Images {@code [from, from + count)} of each class, in class order. */
    static List<LabelledImage> slice(List<String> classes, int from, int count) {
        List<LabelledImage> out = new ArrayList<>();
        for (String c : classes) {
            List<LabelledImage> ofClass = SAMPLE.images().stream().filter(i -> i.label().equals(c)).toList();
            out.addAll(ofClass.subList(from, from + count));
        }
        return out;
    }

    /** Writes the images as {@code folder/<label>/<hash>.png}, the layout a retrain's dataset.path names. */
    static void writeFolder(Path folder, List<LabelledImage> images) throws IOException {
        for (LabelledImage img : images) {
            Path dir = Files.createDirectories(folder.resolve(img.label()));
            Files.write(dir.resolve(img.contentHash().substring(0, 12) + ".png"), ImageEncoder.png(img.image()));
        }
    }

    static Set<String> hashes(List<LabelledImage> images) {
        Set<String> out = new HashSet<>();
        images.forEach(i -> out.add(i.contentHash()));
        return out;
    }

    static String retrain(String topic) {
        return "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + topic + "\"}}";
    }
}
