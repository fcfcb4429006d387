package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.SemiSupervised;

import java.util.Objects;

/**
 * One way of learning the target classes that an experiment measures: a head on a frozen {@code backbone}
 * ({@code pretrained}, {@code random}, {@code rotation} or any backbone spec) trained by {@code method} with an
 * unlabelled pool of {@code unlabelled} images, or the same conv net trained from scratch ({@link #SCRATCH}).
 */
public record Arm(String backbone, SemiSupervised.Method method, int unlabelled) implements Comparable<Arm> {

    public static final String SCRATCH_NAME = "scratch";
    public static final Arm SCRATCH = new Arm(SCRATCH_NAME, SemiSupervised.Method.LABELS_ONLY, 0);

    public Arm {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(method, "method");
        if (unlabelled < 0 || (method == SemiSupervised.Method.LABELS_ONLY) != (unlabelled == 0)) {
            throw new IllegalArgumentException("labels-only arms have no pool, the others one: " + backbone + " " + method + " " + unlabelled);
        }
    }

    public boolean scratch() {
        return backbone.equals(SCRATCH_NAME);
    }

    /** The same backbone trained on labels only: what a semi-supervised arm is paired with. */
    public Arm labelsOnly() {
        return new Arm(backbone, SemiSupervised.Method.LABELS_ONLY, 0);
    }

    /** {@code from scratch}, {@code pretrained head}, {@code pretrained head + self-training U=1000}. */
    public String label() {
        if (scratch()) {
            return "from scratch";
        }
        return backbone + " head" + (method == SemiSupervised.Method.LABELS_ONLY ? "" : " + " + method.wire() + " U=" + unlabelled);
    }

    @Override
    public int compareTo(Arm o) {
        if (scratch() != o.scratch()) {
            return scratch() ? -1 : 1;
        }
        int c = backbone.compareTo(o.backbone);
        if (c != 0) {
            return c;
        }
        c = method.compareTo(o.method);
        return c != 0 ? c : Integer.compare(unlabelled, o.unlabelled);
    }
}
