package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.trainer.features.Features;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Trains only the replaced head, on cached backbone features: epochs cost milliseconds, not minutes. */
public final class HeadTrainer {

    /**
     * The trained head (caller owns and closes it) and the mean loss of each epoch.
     *
     * @param validationAccuracy accuracy of the kept checkpoint on the validation set; NaN when trained without one
     * @param curve              validation accuracy at every checkpoint; empty when trained without a validation set
     */
    public record Result(MultiLayerNetwork head, List<Double> epochLosses, double seconds, double validationAccuracy,
                         List<Selection.Checkpoint> curve) {

        public Result(MultiLayerNetwork head, List<Double> epochLosses, double seconds) {
            this(head, epochLosses, seconds, Double.NaN, List.of());
        }
    }

    private HeadTrainer() {
    }

    public static Result train(Features train, HeadConfig config, TrainSettings settings, Progress progress) {
        return train(train, config, settings, progress, null);
    }

    /**
     * @param validation when given, the head is checkpointed on its accuracy there and the best checkpoint is kept
     *                   ({@link Selection}); null trains to the end of the budget
     */
    public static Result train(Features train, HeadConfig config, TrainSettings settings, Progress progress, Features validation) {
        int k = train.labels().size();
        MultiLayerNetwork head = Heads.build(config, Math.toIntExact(train.x().size(1)), k, settings.seed());
        long t0 = System.nanoTime();
        try {
            if (validation == null) {
                List<Double> losses = fit(head, train.x(), train.y(), k, settings, progress);
                return new Result(head, losses, (System.nanoTime() - t0) / 1e9);
            }
            Selection.Tracker tracker = Selection.track(head, m -> evaluate((MultiLayerNetwork) m, validation).accuracy(), progress,
                    Selection.updatesPerEpoch(train.size(), settings.batchSize()));
            Selection.Stopped stopped = tracker.restoreBest(fit(head, train.x(), train.y(), k, settings, tracker));
            return new Result(head, stopped.epochLosses(), (System.nanoTime() - t0) / 1e9, stopped.validationAccuracy(), stopped.curve());
        } catch (RuntimeException | Error e) {
            head.close();
            throw e;
        }
    }

    static List<Double> fit(MultiLayerNetwork net, INDArray x, int[] y, int k, TrainSettings s, Progress progress) {
        int n = y.length;
        int epochs = s.effectiveEpochs(n);
        Random rnd = new Random(s.seed());
        List<Double> losses = new ArrayList<>();
        progress.start("train head", epochs);
        for (int e = 1; e <= epochs; e++) {
            int[] order = Minibatches.shuffled(n, rnd);
            double sum = 0;
            int batches = 0;
            for (int from = 0; from < n; from += s.batchSize()) {
                net.fit(Minibatches.batch(x, y, k, order, from, Math.min(n, from + s.batchSize())));
                sum += net.score();
                batches++;
            }
            double loss = sum / Math.max(1, batches);
            losses.add(loss);
            progress.epoch(e, epochs, loss);
            progress.step(1);
        }
        progress.done();
        return losses;
    }

    /** Predicted class per row of {@code x}, in chunks to bound memory. */
    public static int[] predict(MultiLayerNetwork head, INDArray x) {
        int n = Math.toIntExact(x.size(0));
        int[] out = new int[n];
        for (int from = 0; from < n; from += 1024) {
            int to = Math.min(n, from + 1024);
            INDArray probs = head.output(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)), false);
            int[] arg = probs.argMax(1).toIntVector();
            System.arraycopy(arg, 0, out, from, to - from);
        }
        return out;
    }

    public static EvalReport evaluate(MultiLayerNetwork head, Features holdout) {
        return EvalReport.of(holdout.labels(), holdout.y(), predict(head, holdout.x()));
    }
}
