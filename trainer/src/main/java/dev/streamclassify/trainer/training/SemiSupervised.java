package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.features.Features;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Head training that also learns from unlabelled images of the target classes (the images topic has plenty):
 * labelled features plus a pool of unlabelled features in, one ordinary head out, so serving does not change.
 * Every choice is a fixed recipe ({@link Settings}); nothing here looks at a holdout, and pseudo-labels exist only
 * inside one call. Stateless.
 */
public final class SemiSupervised {

    /** How the unlabelled pool is used. */
    public enum Method {
        /** The pool is ignored: the baseline every other method is measured against. */
        LABELS_ONLY("labels-only"),
        /**
         * Fit, pseudo-label the pool, keep the most confident share of each predicted class (class-balanced, so one
         * easy class cannot crowd out the rest), refit from scratch on labels + pseudo-labels; the share grows each round.
         */
        SELF_TRAINING("self-training"),
        /**
         * Self-training whose pseudo-labels are also capped at a multiple of the labelled images per class
         * ({@link Settings#pseudoPerLabel()}): at 20 labels per class a fixed 80% of a 1,000 pool (800 pseudo-labels
         * for 100 true labels) cost ~3 points, the pseudo-labels' errors outweighing the labels.
         */
        SELF_TRAINING_SCALED("self-training-scaled"),
        /**
         * Labels spread over a k-nearest-neighbour graph of PCA-whitened features (Zhou et al. 2004), then the head
         * is fit on labels + the most confident class-balanced share of the spread labels.
         */
        LABEL_SPREADING("label-spreading");

        private final String wire;

        Method(String wire) {
            this.wire = wire;
        }

        /** Name in commands, tables and metrics. */
        public String wire() {
            return wire;
        }

        public static Method fromWire(String name) {
            for (Method m : values()) {
                if (m.wire.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown semi-supervised method '" + name + "'; known: " + wires());
        }

        public static List<String> wires() {
            return Arrays.stream(values()).map(Method::wire).toList();
        }
    }

    /**
     * The fixed recipe.
     *
     * @param rounds    self-training rounds (label spreading pseudo-labels once)
     * @param maxShare  share of the pool's per-class quota ({@code pool / classes}) pseudo-labelled in the last round;
     *                  round r of R keeps {@code r / R} of it
     * @param threshold pseudo-labels below this confidence are never used
     * @param neighbours k of the label-spreading graph
     * @param alpha     how much label spreading trusts the graph over the given labels, in (0, 1)
     * @param pcaDims   whitened dimensions label spreading works in
     * @param pseudoPerLabel {@link Method#SELF_TRAINING_SCALED}: pseudo-labels per class in the last round at most this
     *                  many times the labelled images per class (round r of R: r / R of it)
     */
    public record Settings(Method method, int rounds, double maxShare, double threshold, int neighbours, double alpha, int pcaDims,
                           double pseudoPerLabel) {

        public static final Settings SELF_TRAINING = new Settings(Method.SELF_TRAINING, 4, 0.8, 0.0, 10, 0.99, 64, 4.0);
        public static final Settings LABEL_SPREADING = SELF_TRAINING.withMethod(Method.LABEL_SPREADING);
        public static final Settings LABELS_ONLY = SELF_TRAINING.withMethod(Method.LABELS_ONLY);

        public Settings {
            Objects.requireNonNull(method, "method");
            if (rounds < 1 || !(maxShare > 0 && maxShare <= 1) || !(threshold >= 0 && threshold < 1) || neighbours < 1
                    || !(alpha > 0 && alpha < 1) || pcaDims < 1 || !(pseudoPerLabel > 0)) {
                throw new IllegalArgumentException("semi-supervised settings out of range: " + this);
            }
        }

        public Settings withMethod(Method m) {
            return new Settings(m, rounds, maxShare, threshold, neighbours, alpha, pcaDims, pseudoPerLabel);
        }

        /** The same recipe with another number of self-training rounds and final pseudo-label share of the pool. */
        public Settings withRounds(int r, double share) {
            return new Settings(method, r, share, threshold, neighbours, alpha, pcaDims, pseudoPerLabel);
        }

        public static Settings of(Method m) {
            return SELF_TRAINING.withMethod(m);
        }
    }

    /**
     * The pool rows one round pseudo-labelled and the class each was given, so a caller that knows the pool's true
     * classes (the experiment, never the product) can measure how right the pseudo-labels were.
     */
    public record PseudoLabels(int[] rows, int[] classes) {

        public PseudoLabels {
            if (rows.length != classes.length) {
                throw new IllegalArgumentException("rows and classes differ in length: " + rows.length + " vs " + classes.length);
            }
            rows = rows.clone();
            classes = classes.clone();
        }

        /** Share of the pseudo-labels that match {@code truth} (true class per pool row); NaN when there are none. */
        public double accuracy(int[] truth) {
            if (rows.length == 0) {
                return Double.NaN;
            }
            int right = 0;
            for (int i = 0; i < rows.length; i++) {
                if (truth[rows[i]] == classes[i]) {
                    right++;
                }
            }
            return (double) right / rows.length;
        }
    }

    /**
     * The head (the caller owns and closes it), the losses of its final fit, and the pseudo-labels each round added.
     *
     * @param pseudoLabels         per round, the pool rows pseudo-labelled and their classes; empty for
     *                             {@link Method#LABELS_ONLY} or an empty pool
     * @param trainedOn            images the final fit trained on (labels + its pseudo-labels)
     * @param curve                validation accuracy at the final fit's checkpoints; empty without a validation set
     */
    public record Result(MultiLayerNetwork head, List<Double> epochLosses, List<PseudoLabels> pseudoLabels, double seconds,
                         double validationAccuracy, int trainedOn, List<Selection.Checkpoint> curve) {

        public Result {
            pseudoLabels = List.copyOf(pseudoLabels);
            curve = List.copyOf(curve);
        }

        /** Pseudo-labels each round added (the count the retrain status and the experiment log report). */
        public List<Integer> pseudoLabelsPerRound() {
            return pseudoLabels.stream().map(p -> p.rows().length).toList();
        }
    }

    private SemiSupervised() {
    }

    /** @param pool {@code [u, featureSize]} features of unlabelled images; may have 0 rows */
    public static Result train(Features labelled, INDArray pool, HeadConfig head, TrainSettings training, Settings s, Progress progress) {
        return train(labelled, pool, head, training, s, progress, null);
    }

    /**
     * @param validation labelled images apart from {@code labelled} (never the holdout): when given, every fit keeps its
     *                   best checkpoint there ({@link Selection}); null trains every fit to its budget
     */
    public static Result train(Features labelled, INDArray pool, HeadConfig head, TrainSettings training, Settings s, Progress progress,
                               Features validation) {
        long t0 = System.nanoTime();
        int u = pool == null ? 0 : Math.toIntExact(pool.size(0));
        if (s.method() == Method.LABELS_ONLY || u == 0) {
            HeadTrainer.Result r = HeadTrainer.train(labelled, head, training, progress, validation);
            return new Result(r.head(), r.epochLosses(), List.of(), seconds(t0), r.validationAccuracy(), labelled.size(), r.curve());
        }
        return switch (s.method()) {
            case SELF_TRAINING, SELF_TRAINING_SCALED -> selfTrain(labelled, pool, head, training, s, progress, validation, t0);
            case LABEL_SPREADING -> spreadThenFit(labelled, pool, head, training, s, progress, validation, t0);
            case LABELS_ONLY -> throw new AssertionError("handled above");
        };
    }

    private static Result selfTrain(Features labelled, INDArray pool, HeadConfig head, TrainSettings training, Settings s,
                                    Progress progress, Features validation, long t0) {
        int k = labelled.labels().size();
        int u = Math.toIntExact(pool.size(0));
        List<PseudoLabels> perRound = new ArrayList<>();
        int trainedOn = labelled.size();
        HeadTrainer.Result current = HeadTrainer.train(labelled, head, training, Progress.none(), validation);
        try {
            for (int round = 1; round <= s.rounds(); round++) {
                INDArray probs = probabilities(current.head(), pool);
                int quota = quota(s, round, u, labelled.size(), k);
                int[] predicted = argMax(probs);
                int[] chosen = balancedMostConfident(predicted, max(probs), k, quota, s.threshold());
                perRound.add(pseudoLabels(chosen, predicted));
                Features combined = withPseudoLabels(labelled, pool, chosen, predicted);
                trainedOn = combined.size();
                HeadTrainer.Result next = HeadTrainer.train(combined, head, training, round == s.rounds() ? progress : Progress.none(),
                        validation);
                current.head().close();
                current = next;
            }
            return new Result(current.head(), current.epochLosses(), perRound, seconds(t0), current.validationAccuracy(), trainedOn,
                    current.curve());
        } catch (RuntimeException | Error e) {
            current.head().close();
            throw e;
        }
    }

    private static Result spreadThenFit(Features labelled, INDArray pool, HeadConfig head, TrainSettings training, Settings s,
                                        Progress progress, Features validation, long t0) {
        int k = labelled.labels().size();
        int u = Math.toIntExact(pool.size(0));
        float[][] spread = LabelSpreading.spread(labelled.x(), labelled.y(), k, pool, s.neighbours(), s.alpha(), s.pcaDims());
        int[] label = new int[u];
        double[] confidence = new double[u];
        for (int i = 0; i < u; i++) {
            float[] f = spread[i];
            double sum = 0;
            int best = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.max(0, f[c]);
                if (f[c] > f[best]) {
                    best = c;
                }
            }
            label[i] = best;
            confidence[i] = sum > 0 ? Math.max(0, f[best]) / sum : 0;
        }
        int quota = (int) Math.floor(s.maxShare() * u / k);
        int[] chosen = balancedMostConfident(label, confidence, k, quota, s.threshold());
        Features combined = withPseudoLabels(labelled, pool, chosen, label);
        HeadTrainer.Result r = HeadTrainer.train(combined, head, training, progress, validation);
        return new Result(r.head(), r.epochLosses(), List.of(pseudoLabels(chosen, label)), seconds(t0), r.validationAccuracy(), combined.size(), r.curve());
    }

    /** Pseudo-labels per class in round {@code round}: a growing share of the pool, capped by the labels for the scaled recipe. */
    static int quota(Settings s, int round, int poolSize, int labelledSize, int k) {
        double share = (double) round / s.rounds();
        int quota = (int) Math.floor(share * s.maxShare() * poolSize / k);
        if (s.method() == Method.SELF_TRAINING_SCALED) {
            quota = Math.min(quota, (int) Math.floor(share * s.pseudoPerLabel() * labelledSize / k));
        }
        return quota;
    }

    /**
     * Per class, up to {@code quota} pool rows predicted as that class, most confident first, none below
     * {@code threshold}. Ties break on the row index, so the choice is deterministic.
     */
    static int[] balancedMostConfident(int[] predicted, double[] confidence, int k, int quota, double threshold) {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            int cls = c;
            IntStream.range(0, predicted.length)
                    .filter(i -> predicted[i] == cls && confidence[i] >= threshold)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -confidence[i]).thenComparingInt(i -> i))
                    .limit(quota)
                    .forEach(out::add);
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static PseudoLabels pseudoLabels(int[] rows, int[] label) {
        return new PseudoLabels(rows, Arrays.stream(rows).map(r -> label[r]).toArray());
    }

    private static Features withPseudoLabels(Features labelled, INDArray pool, int[] rows, int[] label) {
        if (rows.length == 0) {
            return labelled;
        }
        INDArray x = Nd4j.vstack(labelled.x(), pool.getRows(rows));
        int[] y = Arrays.copyOf(labelled.y(), labelled.size() + rows.length);
        for (int i = 0; i < rows.length; i++) {
            y[labelled.size() + i] = label[rows[i]];
        }
        return new Features(x, y, labelled.labels(), 0, 0);
    }

    private static INDArray probabilities(MultiLayerNetwork head, INDArray x) {
        int n = Math.toIntExact(x.size(0));
        List<INDArray> parts = new ArrayList<>();
        for (int from = 0; from < n; from += 1024) {
            parts.add(head.output(x.get(NDArrayIndex.interval(from, Math.min(n, from + 1024)), NDArrayIndex.all()), false));
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts);
    }

    private static int[] argMax(INDArray probs) {
        return probs.argMax(1).toIntVector();
    }

    private static double[] max(INDArray probs) {
        return probs.max(1).toDoubleVector();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** For logs and status messages: {@code self-training: 400, 800, 1200, 1600 pseudo-labels}. */
    public static String describe(Method method, List<Integer> perRound) {
        return String.format(Locale.ROOT, "%s: %s pseudo-labels", method.wire(),
                perRound.isEmpty() ? "no" : String.join(", ", perRound.stream().map(String::valueOf).toList()));
    }
}
