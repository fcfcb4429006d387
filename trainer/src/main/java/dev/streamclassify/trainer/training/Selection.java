package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The one selection rule every method of an experiment follows, heads and from-scratch networks alike: train to
 * the update budget, score the validation set at (at most {@value #CHECKPOINTS}) evenly spaced epochs, keep the
 * parameters of the best checkpoint (early stopping); a caller compares candidates (learning rate, L2) by the
 * validation accuracy this reports. The validation set is carved from the training pool, never the holdout.
 */
public final class Selection {

    static final int CHECKPOINTS = 30;

    /**
     * Best validation accuracy, the epoch it came at, the losses of every epoch, and the validation accuracy at every
     * checkpoint (the learning curve the experiment plots).
     */
    public record Stopped(double validationAccuracy, int bestEpoch, List<Double> epochLosses, List<Checkpoint> curve) {
        public Stopped {
            epochLosses = List.copyOf(epochLosses);
            curve = List.copyOf(curve);
        }
    }

    /** Validation accuracy after {@code updates} minibatch updates. */
    public record Checkpoint(long updates, double validationAccuracy) {
    }

    /** Candidate regularisation: Adam learning rate and L2. */
    public record Candidate(double learningRate, double l2) {
    }

    private Selection() {
    }

    /**
     * Wraps {@code inner}: at checkpoints scores {@code net} with {@code validationAccuracy} and remembers the best
     * parameters; {@link Tracker#restoreBest()} puts them back.
     */
    public static Tracker track(Model net, ToDoubleFunction<Model> validationAccuracy, Progress inner, long updatesPerEpoch) {
        return new Tracker(net, validationAccuracy, inner, updatesPerEpoch);
    }

    /** Minibatch updates of one epoch over {@code examples}: what a learning curve's x axis counts. */
    public static long updatesPerEpoch(int examples, int batchSize) {
        return Math.max(1, (examples + batchSize - 1) / batchSize);
    }

    /** A {@link Progress} that checkpoints a network on validation accuracy. Not thread-safe. */
    public static final class Tracker implements Progress {
        private final Model net;
        private final ToDoubleFunction<Model> score;
        private final Progress inner;
        private final long updatesPerEpoch;
        private final List<Checkpoint> curve = new ArrayList<>();
        private double best = Double.NEGATIVE_INFINITY;
        private int bestEpoch;
        private INDArray bestParams;

        private Tracker(Model net, ToDoubleFunction<Model> score, Progress inner, long updatesPerEpoch) {
            this.net = Objects.requireNonNull(net);
            this.score = score;
            this.inner = inner;
            this.updatesPerEpoch = updatesPerEpoch;
        }

        @Override
        public void start(String task, long total) {
            inner.start(task, total);
        }

        @Override
        public void step(long n) {
            inner.step(n);
        }

        @Override
        public void epoch(int epoch, int epochs, double loss) {
            inner.epoch(epoch, epochs, loss);
            int every = Math.max(1, epochs / CHECKPOINTS);
            if (epoch % every == 0 || epoch == epochs) {
                double acc = score.applyAsDouble(net);
                curve.add(new Checkpoint(epoch * updatesPerEpoch, acc));
                if (acc > best) {
                    best = acc;
                    bestEpoch = epoch;
                    bestParams = net.params().dup();
                }
            }
        }

        @Override
        public void done() {
            inner.done();
        }

        /** Puts the best checkpoint's parameters back; returns what it scored. */
        public Stopped restoreBest(List<Double> losses) {
            if (bestParams != null) {
                net.setParams(bestParams);
            }
            return new Stopped(best, bestEpoch, losses, curve);
        }
    }
}
