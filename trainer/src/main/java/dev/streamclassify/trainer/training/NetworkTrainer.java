package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.trainer.dataset.Dataset;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trains a whole network on images: pre-training a backbone, and the from-scratch baseline of experiments.
 * Images go through the same {@link Preprocessor} as serving.
 */
public final class NetworkTrainer {

    private NetworkTrainer() {
    }

    /** Preprocessed images as {@code [n, c, h, w]} and their class indices. */
    public record Tensors(INDArray x, int[] y, List<String> labels) {
    }

    public static Tensors tensors(Dataset data, Preprocessor pre) {
        var spec = pre.spec();
        int n = data.size();
        int per = spec.valuesPerImage();
        float[] flat = new float[n * per];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            var img = data.images().get(i);
            System.arraycopy(pre.apply(img.image()), 0, flat, i * per, per);
            y[i] = data.classIndex(img.label());
        }
        INDArray x = Nd4j.create(flat, new long[]{n, spec.channels(), spec.height(), spec.width()}, 'c');
        return new Tensors(x, y, data.labels());
    }

    /** @return mean loss of each epoch */
    public static List<Double> fit(ComputationGraph net, Tensors train, TrainSettings s, Progress progress) {
        int n = train.y().length;
        int k = train.labels().size();
        int epochs = s.effectiveEpochs(n);
        Random rnd = new Random(s.seed());
        List<Double> losses = new ArrayList<>();
        progress.start("train network", (long) epochs * n);
        for (int e = 1; e <= epochs; e++) {
            int[] order = Minibatches.shuffled(n, rnd);
            double sum = 0;
            int batches = 0;
            for (int from = 0; from < n; from += s.batchSize()) {
                int to = Math.min(n, from + s.batchSize());
                DataSet batch = Minibatches.batch(train.x(), train.y(), k, order, from, to);
                net.fit(batch);
                sum += net.score();
                batches++;
                progress.step(to - from);
            }
            double loss = sum / Math.max(1, batches);
            losses.add(loss);
            progress.epoch(e, epochs, loss);
        }
        progress.done();
        return losses;
    }

    public static EvalReport evaluate(ComputationGraph net, Tensors holdout) {
        int n = holdout.y().length;
        int[] pred = new int[n];
        for (int from = 0; from < n; from += 256) {
            int to = Math.min(n, from + 256);
            INDArray out = net.outputSingle(false, holdout.x().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)));
            System.arraycopy(out.argMax(1).toIntVector(), 0, pred, from, to - from);
        }
        return EvalReport.of(holdout.labels(), holdout.y(), pred);
    }
}
