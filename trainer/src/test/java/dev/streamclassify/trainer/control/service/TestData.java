package dev.streamclassify.trainer.control.service;

import dev.streamclassify.model.image.ImageEncoder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import dev.streamclassify.trainer.control.retrain.HoldoutSplit;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    /**
     * Issue 7's few-labels setting on classes 5-9 (targets of the shipped backbone, pre-trained on 0-4 only): per class,
     * {@code labelledPerClass} images the hash split trains on and {@code holdoutPerClass} it holds out, so the labelled
     * training set really is that small; then {@code unlabelled} images that are none of those.
     */
    record FewLabels(List<LabelledImage> labelled, List<LabelledImage> unlabelled) {

        static final List<String> TARGET = List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
        static final double HOLDOUT = 0.3;

        /**
         * Settings of a service on {@code kafka}'s topics whose images topic is a new {@code stream-} topic of two
         * partitions (created here), splitting with {@link #HOLDOUT} and training enough updates for 25 labels.
         */
        static Map<String, Object> settings(ControlFixture kafka, Path cacheDir) throws Exception {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap))) {
                admin.createTopics(List.of(new NewTopic(streamTopic(kafka), 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> settings = kafka.settings(cacheDir);
            settings.put(TrainerServiceConfig.IMAGES_TOPIC, streamTopic(kafka));
            settings.put(TrainerServiceConfig.HOLDOUT_FRACTION, HOLDOUT);
            settings.put(TrainerServiceConfig.TRAINING_BATCH_SIZE, 64);
            settings.put(TrainerServiceConfig.TRAINING_MIN_UPDATES, 150);
            return settings;
        }

        static String streamTopic(ControlFixture kafka) {
            return "stream-" + kafka.images;
        }

        static FewLabels pick(double holdoutFraction, int labelledPerClass, int holdoutPerClass, int unlabelled) {
            Dataset pool = SAMPLE.withClasses(TARGET);
            List<LabelledImage> labelled = new ArrayList<>();
            for (String c : TARGET) {
                int train = 0;
                int held = 0;
                for (LabelledImage img : pool.images()) {
                    if (!img.label().equals(c)) {
                        continue;
                    }
                    boolean inHoldout = HoldoutSplit.inHoldout(img.contentHash(), holdoutFraction);
                    if (inHoldout && held < holdoutPerClass) {
                        labelled.add(img);
                        held++;
                    } else if (!inHoldout && train < labelledPerClass) {
                        labelled.add(img);
                        train++;
                    }
                }
            }
            Set<String> used = hashes(labelled);
            List<LabelledImage> rest = pool.images().stream().filter(i -> !used.contains(i.contentHash())).limit(unlabelled).toList();
            return new FewLabels(List.copyOf(labelled), rest);
        }
    }

    static String retrain(String topic) {
        return "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + topic + "\"}}";
    }
}
