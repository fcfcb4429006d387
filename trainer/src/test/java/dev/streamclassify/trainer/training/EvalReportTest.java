package dev.streamclassify.trainer.training;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvalReportTest {

    @Test
    void computesAccuracyPrecisionRecallAndConfusion() {
        EvalReport r = EvalReport.of(List.of("a", "b"), new int[]{0, 0, 1, 1}, new int[]{0, 1, 1, 1});
        assertThat(r.accuracy()).isEqualTo(0.75);
        assertThat(r.precision().get("b")).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(r.recall().get("a")).isEqualTo(0.5);
        assertThat(r.confusion()).isDeepEqualTo(new int[][]{{1, 1}, {0, 2}});
        assertThat(r.format()).contains("accuracy 0.7500");
    }

    @Test
    void stretchesEpochsForTinyDataSets() {
        TrainSettings s = new TrainSettings(2, 64, 300, 1);
        assertThat(s.effectiveEpochs(25)).isEqualTo(300);
        assertThat(s.effectiveEpochs(64 * 1000)).isEqualTo(2);
    }
}
