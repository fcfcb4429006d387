package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Prediction;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a freshly trained version may replace the one serving: only if its holdout accuracy is at least the active
 * version's on the same holdout plus {@code promotion.min.delta}. A version with nothing to compare with (none serving,
 * the active one missing or not loadable on this backbone) passes. Reads the catalog; publishes nothing.
 */
public final class PromotionGate {

    private static final int EVAL_BATCH = 64;

    private final ModelCatalog catalog;
    private final Backbone backbone;
    private final TrustedKeys trust;
    private final double minDelta;
    private final String modelsTopic;
    private final ModelVersionCodec codec = new ModelVersionCodec();

    public PromotionGate(ModelCatalog catalog, Backbone backbone, TrustedKeys trust, double minDelta, String modelsTopic) {
        this.catalog = catalog;
        this.backbone = backbone;
        this.trust = trust;
        this.minDelta = minDelta;
        this.modelsTopic = modelsTopic;
    }

    /** The promotion decision and the figures it rests on. */
    public record Decision(boolean activate, Long activeVersion, Double activeAccuracy, boolean servedWithoutActivation, String why) {

        public String message(ModelVersion v) {
            if (activate) {
                return v.id() + " activated: " + why;
            }
            return v.id() + " kept, not activated: " + why;
        }
    }

    /** Compares {@code accuracy}, a new version's on {@code holdout}, with the version serving {@code model} on the same images. */
    public Decision decide(String model, Dataset holdout, double accuracy) {
        double delta = minDelta;
        Optional<ModelCatalog.Served> served = catalog.served(model);
        if (served.isEmpty()) {
            return new Decision(true, null, null, false,
                    fmt("holdout accuracy %.4f on %d images (no version was serving)", accuracy, holdout.size()));
        }
        long active = served.get().version();
        boolean pinned = served.get().activation().isPresent();
        if (!catalog.has(model, active)) {
            return new Decision(true, active, null, !pinned,
                    fmt("holdout accuracy %.4f; active v%d is not on %s, nothing to compare with", accuracy, active, modelsTopic));
        }
        double activeAccuracy;
        try (Classifier classifier = Classifier.load(codec.decode(catalog.read(model, active, trust).orElseThrow()), backbone)) {
            activeAccuracy = accuracy(classifier, holdout);
        } catch (ArtifactException e) {
            return new Decision(true, active, null, !pinned,
                    fmt("holdout accuracy %.4f; active v%d cannot be evaluated on this backbone (%s)", accuracy, active, e.getMessage()));
        }
        boolean better = accuracy >= activeAccuracy + delta;
        String why = fmt("holdout accuracy %.4f %s active v%d %.4f + %.4f on the same %d images", accuracy, better ? ">=" : "<",
                active, activeAccuracy, delta, holdout.size());
        return new Decision(better, active, activeAccuracy, !pinned, why);
    }

    /** Share of {@code holdout} that {@code classifier} labels right; classes it does not know count as wrong. */
    static double accuracy(Classifier classifier, Dataset holdout) {
        Preprocessor pre = new Preprocessor(classifier.version().preprocessing());
        List<LabelledImage> images = holdout.images();
        int correct = 0;
        for (int from = 0; from < images.size(); from += EVAL_BATCH) {
            List<LabelledImage> chunk = images.subList(from, Math.min(images.size(), from + EVAL_BATCH));
            List<float[]> inputs = new ArrayList<>(chunk.size());
            chunk.forEach(img -> inputs.add(pre.apply(img.image())));
            List<Prediction> predictions;
            try (INDArray batch = Batch.of(pre.spec(), inputs)) {
                predictions = classifier.classify(batch, 1);
            }
            for (int i = 0; i < chunk.size(); i++) {
                if (predictions.get(i).label().equals(chunk.get(i).label())) {
                    correct++;
                }
            }
        }
        return images.isEmpty() ? 0 : (double) correct / images.size();
    }


    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
