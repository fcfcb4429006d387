package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.artifact.BackboneRef;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.SemiSupervisedFigures;
import dev.streamclassify.model.artifact.TrainingMetrics;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The {@code train} pipeline: featurize once through the cache, train the replaced head with the backbone
 * frozen, evaluate on the holdout, and package a {@link ModelVersion}.
 */
public final class TrainingPipeline {

    /**
     * The new version, its holdout evaluation and how much featurizing the cache saved.
     *
     * @param unlabelled           unlabelled images the head could learn from (0 without a pool)
     * @param pseudoLabelsPerRound pseudo-labelled images each semi-supervised round trained on
     */
    public record Outcome(ModelVersion version, EvalReport holdout, int featurized, int fromCache, double headSeconds,
                          SemiSupervised.Method method, int unlabelled, List<Integer> pseudoLabelsPerRound) {

        public Outcome {
            pseudoLabelsPerRound = List.copyOf(pseudoLabelsPerRound);
        }
    }

    /**
     * Unlabelled images (decoded, not preprocessed), or their features already computed by the same backbone (the
     * stream pool's), and how to learn from them; {@link #NONE} trains on labels only.
     */
    public record Pool(List<RawImage> images, List<float[]> features, SemiSupervised.Settings settings) {
        public static final Pool NONE = new Pool(List.of(), SemiSupervised.Settings.LABELS_ONLY);

        public Pool {
            images = List.copyOf(images);
            features = List.copyOf(features);
            if (!images.isEmpty() && !features.isEmpty()) {
                throw new IllegalArgumentException("a pool is images or features, not both");
            }
        }

        public Pool(List<RawImage> images, SemiSupervised.Settings settings) {
            this(images, List.of(), settings);
        }

        public static Pool ofFeatures(List<float[]> features, SemiSupervised.Settings settings) {
            return new Pool(List.of(), features, settings);
        }

        public int size() {
            return images.size() + features.size();
        }
    }

    private TrainingPipeline() {
    }

    /** Fine-tuning of the top {@code layers} backbone layers after the head is trained; {@link #NONE} skips it. */
    public record FineTune(int layers, double learningRate, int epochs) {
        public static final FineTune NONE = new FineTune(0, 1e-4, 0);

        public FineTune {
            if (layers < 0 || epochs < 0 || !(learningRate > 0)) {
                throw new IllegalArgumentException("fine-tune layers and epochs must be >= 0 and the learning rate > 0");
            }
        }
    }

    public static Outcome run(Backbone backbone, FeatureCache cache, Dataset train, Dataset holdout, HeadConfig head,
                              TrainSettings settings, String modelName, long version, Clock clock, Progress progress) {
        return run(backbone, cache, train, holdout, head, settings, FineTune.NONE, modelName, version, clock, progress);
    }

    public static Outcome run(Backbone backbone, FeatureCache cache, Dataset train, Dataset holdout, HeadConfig head,
                              TrainSettings settings, FineTune fineTune, String modelName, long version, Clock clock, Progress progress) {
        return run(backbone, cache, train, holdout, Pool.NONE, head, settings, fineTune, modelName, version, clock, progress);
    }

    public static Outcome run(Backbone backbone, FeatureCache cache, Dataset train, Dataset holdout, Pool pool, HeadConfig head,
                              TrainSettings settings, FineTune fineTune, String modelName, long version, Clock clock, Progress progress) {
        if (!train.labels().equals(holdout.labels())) {
            throw new IllegalArgumentException("train and holdout must have the same labels, were " + train.labels() + " and " + holdout.labels());
        }
        Featurizer featurizer = new Featurizer(backbone, 64);
        Features trainF = featurizer.featurize(train, cache, progress);
        Features holdF = featurizer.featurize(holdout, cache, progress);
        // not reported as a step of its own: progress reporters know three steps (train, holdout, head), and a fourth
        // would take the head's place, so head training would report nothing
        Featurizer.Unlabelled poolF = pool.features().isEmpty() ? featurizer.featurizeUnlabelled(pool.images(), cache, Progress.none())
                : new Featurizer.Unlabelled(featureMatrix(pool.features(), backbone.info().featureSize()), 0, 0);
        SemiSupervised.Result result = SemiSupervised.train(trainF, poolF.x(), head, settings, pool.settings(), progress);
        try (Owned<MultiLayerNetwork> owned = Owned.of(result.head())) {
            MultiLayerNetwork net = owned.net();
            EvalReport eval = HeadTrainer.evaluate(net, holdF);
            Map<String, byte[]> tunedLayers = Map.of();
            double seconds = result.seconds();
            int epochs = result.epochLosses().size();
            if (fineTune.layers() > 0 && fineTune.epochs() > 0) {
                Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
                FineTuner.Result tuned = FineTuner.run(backbone, net, NetworkTrainer.tensors(train, pre), NetworkTrainer.tensors(holdout, pre),
                        fineTune.layers(), fineTune.learningRate(), new TrainSettings(fineTune.epochs(), settings.batchSize(), 0, settings.seed()),
                        progress);
                eval = tuned.holdout();
                tunedLayers = tuned.layers();
                seconds += tuned.seconds();
                epochs += tuned.epochLosses().size();
            }
            SemiSupervisedFigures semi = pool.size() == 0 ? null : new SemiSupervisedFigures(pool.settings().method().wire(),
                    train.size(), pool.size(), result.pseudoLabelsPerRound());
            TrainingMetrics metrics = new TrainingMetrics(eval.accuracy(), train.size(), holdout.size(), epochs,
                    seconds, eval.precision(), eval.recall(), semi);
            ModelVersion mv = new ModelVersion(modelName, version, train.labels(), backbone.info().preprocessing(),
                    BackboneRef.of(backbone.info()), head, metrics, clock.instant(), RawParams.of(net.params()), tunedLayers);
            return new Outcome(mv, eval, trainF.computed() + holdF.computed() + poolF.computed(),
                    trainF.cached() + holdF.cached() + poolF.cached(), result.seconds(),
                    pool.settings().method(), pool.size(), result.pseudoLabelsPerRound());
        }
    }

    /** Precomputed features as a matrix; every row must have the backbone's width. */
    private static INDArray featureMatrix(List<float[]> rows, int featureSize) {
        for (float[] row : rows) {
            if (row.length != featureSize) {
                throw new IllegalArgumentException("pooled features have " + row.length + " values, the backbone gives " + featureSize);
            }
        }
        return Nd4j.create(rows.toArray(new float[0][]));
    }
}
