package dev.streamclassify.trainer.control.intake;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.trainer.training.SemiSupervised;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A control-topic command after strict parsing ({@link CommandParser}): defaults are filled in and every field is
 * valid, so whatever runs a command never re-checks its input.
 */
public sealed interface Command permits Command.Retrain, Command.Activate, Command.Shadow, Command.Canary {

    /** The wire name ({@code retrain}, {@code activate}, {@code shadow}, {@code canary}); also the {@code command} tag of the metrics. */
    String name();

    String model();

    /**
     * Train a new head of {@code model} on {@code dataset} (then fine-tune the top {@code fineTuneLayers} backbone
     * layers if asked), publish it, and activate it if it passes the gate. With {@code unlabelled}, the head also
     * learns from a pool of unlabelled images ({@link SemiSupervised}); the gate still judges on labelled holdout images.
     */
    record Retrain(String model, DatasetSource dataset, int epochs, List<Integer> hiddenLayers, int fineTuneLayers,
                   Optional<Unlabelled> unlabelled) implements Command {

        public Retrain(String model, DatasetSource dataset, int epochs, List<Integer> hiddenLayers) {
            this(model, dataset, epochs, hiddenLayers, 0);
        }

        public Retrain(String model, DatasetSource dataset, int epochs, List<Integer> hiddenLayers, int fineTuneLayers) {
            this(model, dataset, epochs, hiddenLayers, fineTuneLayers, Optional.empty());
        }

        public Retrain {
            requireModel(model);
            Objects.requireNonNull(dataset, "dataset");
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1");
            }
            hiddenLayers = List.copyOf(hiddenLayers);
            if (fineTuneLayers < 0) {
                throw new IllegalArgumentException("fineTuneLayers must be >= 0");
            }
            Objects.requireNonNull(unlabelled, "unlabelled");
        }

        @Override
        public String name() {
            return "retrain";
        }
    }

    /** Point {@code model} at a retained {@code version}: rollback or roll forward. */
    record Activate(String model, long version) implements Command {

        public Activate {
            requireModel(model);
            if (version < 1) {
                throw new IllegalArgumentException("version must be >= 1");
            }
        }

        @Override
        public String name() {
            return "activate";
        }
    }

    /**
     * Score {@code versions} on every image beside the active version, never serving them; an empty list ends the
     * shadow. Replaces any earlier shadow set; {@code activate} ends it.
     */
    record Shadow(String model, List<Long> versions) implements Command {

        public Shadow {
            requireModel(model);
            versions = List.copyOf(versions);
        }

        @Override
        public String name() {
            return "shadow";
        }
    }

    /**
     * Serve {@code percent} of image ids (a stable hash of the id) with {@code version} instead of the active version;
     * percent 0 ends the canary. {@code activate} ends it too.
     */
    record Canary(String model, long version, int percent) implements Command {

        public Canary {
            requireModel(model);
            if (version < 1 || percent < 0 || percent > 100) {
                throw new IllegalArgumentException("version must be >= 1 and percent in [0, 100]");
            }
        }

        @Override
        public String name() {
            return "canary";
        }
    }

    /** Where a retrain reads its labelled images. */
    sealed interface DatasetSource permits TopicRange, Folder {
    }

    /**
     * Labelled images of a topic: offsets {@code [fromOffset, toOffset)} of every partition, by default from the
     * beginning to the end offsets at the moment the command is taken up.
     */
    record TopicRange(String topic, OptionalLong fromOffset, OptionalLong toOffset) implements DatasetSource {

        public TopicRange {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(fromOffset, "fromOffset");
            Objects.requireNonNull(toOffset, "toOffset");
        }

        public static TopicRange all(String topic) {
            return new TopicRange(topic, OptionalLong.empty(), OptionalLong.empty());
        }
    }

    /**
     * Unlabelled images a retrain also learns from: at most {@code max} of them, used by {@code method}.
     */
    record Unlabelled(UnlabelledSource source, int max, SemiSupervised.Method method) {

        public Unlabelled {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(method, "method");
            if (max < 1) {
                throw new IllegalArgumentException("max must be >= 1");
            }
        }
    }

    /** Where a retrain reads its unlabelled images. */
    sealed interface UnlabelledSource permits RecentImages, Folder, FeaturePool {
    }

    /**
     * The stream feature pool ({@code pool.max.images}): features of the most recent stream images, already computed,
     * so nothing is re-read or featurized.
     */
    record FeaturePool() implements UnlabelledSource {
    }

    /** The most recent images of the stream's input topic (split evenly over its partitions); labels, if any, are ignored. */
    record RecentImages(String topic) implements UnlabelledSource {

        public RecentImages {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * An image folder ({@code root/<label>/*.png|jpg|bmp|gif}); {@code path} is real and inside the data root. As an
     * unlabelled source, the sub-folder names are ignored.
     */
    record Folder(Path path) implements DatasetSource, UnlabelledSource {

        public Folder {
            Objects.requireNonNull(path, "path");
        }
    }

    private static void requireModel(String model) {
        if (model == null || !ModelVersion.NAME.matcher(model).matches()) {
            throw new IllegalArgumentException("model must match " + ModelVersion.NAME.pattern() + ", was " + model);
        }
    }
}
