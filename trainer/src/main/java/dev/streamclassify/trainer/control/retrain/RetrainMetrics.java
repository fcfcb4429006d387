package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.trainer.control.intake.CommandCounts;
import java.time.Duration;

/** What the retrain wing measures; the service's meters implement it, so the wing needs nothing from the service. */
public interface RetrainMetrics extends CommandCounts {

    void training(Duration took, String outcome);

    void featurized(int computed, int fromCache);

    /** {@code n} unlabelled records read for a semi-supervised retrain ended as {@code outcome}. */
    void unlabelled(String outcome, int n);

    void holdoutAccuracy(String model, double accuracy);
}
