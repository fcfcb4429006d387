package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.SemiSupervised;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fixed against scaled self-training, decided on the validation set and never on the holdout: the product's default
 * recipe is whichever scores higher there, paired by seed over every split, budget, backbone and pool measured. The
 * holdout difference is printed beside it for the reader, not used. Stateless.
 */
public final class RecipeChoice {

    private static final Pattern VAL = Pattern.compile("\\bval=(\\d+(?:\\.\\d+)?)");

    /** The decision and the evidence: mean paired validation difference (scaled - fixed) and its 95% half-width. */
    public record Decision(SemiSupervised.Method chosen, int pairs, double validationMean, double validationCi95) {
    }

    private RecipeChoice() {
    }

    /** The trial with its validation accuracy (from {@link Trial#chosen()}) as its accuracy; empty if it has none. */
    static Optional<Trial> onValidation(Trial t) {
        Matcher m = VAL.matcher(t.chosen());
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Trial(t.split(), t.arm(), t.perClass(), t.trainImages(), t.seed(), Double.parseDouble(m.group(1)),
                t.trainSeconds(), List.of(), t.chosen()));
    }

    /** The trials that carry a validation accuracy, each scored on it instead of the holdout (tables for decisions). */
    public static List<Trial> onValidation(List<Trial> trials) {
        return trials.stream().map(RecipeChoice::onValidation).flatMap(Optional::stream).toList();
    }

    /** Empty when no seed has both recipes. */
    public static Optional<Decision> decide(List<Trial> trials) {
        List<Double> diffs = new ArrayList<>();
        List<Trial> val = onValidation(trials);
        for (Trial scaled : val) {
            if (scaled.arm().method() != SemiSupervised.Method.SELF_TRAINING_SCALED) {
                continue;
            }
            Arm fixed = new Arm(scaled.arm().backbone(), SemiSupervised.Method.SELF_TRAINING, scaled.arm().unlabelled());
            val.stream().filter(t -> t.arm().equals(fixed) && t.split().equals(scaled.split()) && t.perClass() == scaled.perClass()
                    && t.seed() == scaled.seed()).findFirst().ifPresent(f -> diffs.add(scaled.accuracy() - f.accuracy()));
        }
        if (diffs.isEmpty()) {
            return Optional.empty();
        }
        double[] mc = ExperimentReport.meanCi(diffs.stream().mapToDouble(Double::doubleValue).toArray());
        return Optional.of(new Decision(mc[0] > 0 ? SemiSupervised.Method.SELF_TRAINING_SCALED : SemiSupervised.Method.SELF_TRAINING,
                diffs.size(), mc[0], mc[1]));
    }

    /** Per cell: scaled - fixed on validation and on holdout, then the decision; empty text without both recipes. */
    public static String markdown(List<Trial> trials) {
        Optional<Decision> d = decide(trials);
        if (d.isEmpty()) {
            return "";
        }
        List<Trial> val = onValidation(trials);
        var sb = new StringBuilder("\nSelf-training recipe, scaled (pseudo-labels <= 4 per label) - fixed (80% of the pool), paired by seed, "
                + "in points, mean ± 95% CI (pairs):\n\n| split | labels/class | arm | on validation (decides) | on holdout (not used) |\n|---|---|---|---|---|\n");
        for (ExperimentReport.Cell c : ExperimentReport.cells(trials)) {
            if (c.arm().method() != SemiSupervised.Method.SELF_TRAINING_SCALED) {
                continue;
            }
            Arm fixed = new Arm(c.arm().backbone(), SemiSupervised.Method.SELF_TRAINING, c.arm().unlabelled());
            String onVal = ExperimentReport.paired(val, c.split(), c.arm(), fixed, c.perClass()).map(ExperimentReport::points).orElse("");
            String onHold = ExperimentReport.paired(trials, c.split(), c.arm(), fixed, c.perClass()).map(ExperimentReport::points).orElse("");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", c.split(), c.perClass() == 0 ? "all" : c.perClass(),
                    c.arm().label(), onVal, onHold));
        }
        Decision x = d.get();
        sb.append(String.format(Locale.ROOT, "%nDecision on validation over all %d pairs: scaled - fixed = %+.1f ± %.1f points, so the "
                + "default recipe is **%s**.%n", x.pairs(), 100 * x.validationMean(), 100 * x.validationCi95(), x.chosen().wire()));
        return sb.toString();
    }
}
