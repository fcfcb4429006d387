package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.experiment.ImportedBackboneExperiment.Row;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ImportedBackboneReportTest {

    private static final String NET = "net/cut@96";

    private static Row row(String features, String pooling, String head, long seed, double accuracy) {
        return new Row("5-9", features, pooling, head, 5, seed, accuracy, 1.5, "lr=0.01 l2=1.0E-4 val=0.800 of 300 epochs");
    }

    @Test
    void rowsPrintedByARunAreReadBackAndARerunCountsOnce() {
        Row first = row(NET, "3x3", "softmax", 0, 0.8);
        Row rerun = row(NET, "3x3", "softmax", 0, 0.81);
        List<Row> parsed = ImportedBackboneExperiment.RowLog.parse(List.of("featurized 10 images", ImportedBackboneExperiment.RowLog.line(first),
                "imported-row\tbroken", ImportedBackboneExperiment.RowLog.line(rerun)));
        assertThat(parsed).containsExactly(rerun);
    }

    @Test
    void pairsImageNetWithRandomWeightsOfTheSameCutAndWithScratchSeedBySeed() {
        List<Row> rows = List.of(
                row(NET, "3x3", "softmax", 0, 0.80), row(NET, "3x3", "softmax", 1, 0.90),
                row(NET + "/random:1", "3x3", "softmax", 0, 0.70), row(NET + "/random:1", "3x3", "softmax", 1, 0.79),
                row(NET + "/random:1", "global", "softmax", 0, 0.10),
                row("scratch (small CNN, 28 px)", "-", "end to end", 0, 0.85), row("scratch (small CNN, 28 px)", "-", "end to end", 2, 0.10));
        List<ImportedBackboneReport.Paired> paired = ImportedBackboneReport.paired(rows, ImportedBackboneReport.cells(rows));

        assertThat(paired).hasSize(2);
        ImportedBackboneReport.Paired random = paired.get(0);
        assertThat(random.baseline()).isEqualTo("random weights");
        assertThat(random.pairs()).isEqualTo(2);
        assertThat(random.mean()).isCloseTo(0.105, within(1e-9));
        // seed 2 of scratch has no ImageNet partner, seed 1 no scratch one: one pair
        ImportedBackboneReport.Paired scratch = paired.get(1);
        assertThat(scratch.baseline()).isEqualTo("scratch");
        assertThat(scratch.pairs()).isEqualTo(1);
        assertThat(scratch.mean()).isCloseTo(-0.05, within(1e-9));
        assertThat(ImportedBackboneReport.verdict(random)).isEqualTo("holds");
        assertThat(ImportedBackboneReport.verdict(scratch)).isEqualTo("does not hold");
    }
}
