package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.training.TrainSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentRunnerTest {

    @Test
    void measuresAllThreeMethodsForEveryBudgetAndSeedAndReportsThem(@TempDir Path dir) throws Exception {
        List<String> labels = FashionMnist.CLASS_NAMES;
        ExperimentPlan plan = new ExperimentPlan(
                List.of(new ExperimentPlan.ClassSplit("0-4>5-9", labels.subList(0, 5), labels.subList(5, 10))),
                List.of(5, 20), List.of(0L, 1L), 1, 60, HeadConfig.DEFAULT,
                new TrainSettings(5, 32, 50, 0), new TrainSettings(1, 32, 20, 0));
        Dataset train = FashionMnist.sampleTrain();
        Dataset test = FashionMnist.sampleTest();
        ExperimentRunner.Result r = new ExperimentRunner(plan, new PrintStream(OutputStream.nullOutputStream())).run(train, test);

        assertThat(r.trials()).hasSize(2 * 2 * Method.values().length);
        assertThat(r.trials()).allSatisfy(t -> assertThat(t.accuracy()).isBetween(0.0, 1.0));
        assertThat(r.trials()).filteredOn(t -> t.perClass() == 5).allSatisfy(t -> assertThat(t.trainImages()).isEqualTo(25));
        // five target classes: a trained classifier must beat 20% chance
        assertThat(r.trials()).filteredOn(t -> t.method() == Method.TRANSFER).allSatisfy(t -> assertThat(t.accuracy()).isGreaterThan(0.4));
        assertThat(r.backboneNotes()).singleElement().asString().contains("source holdout accuracy");

        List<ExperimentReport.Cell> cells = ExperimentReport.cells(r.trials());
        assertThat(cells).hasSize(2 * Method.values().length);
        assertThat(cells).allSatisfy(c -> assertThat(c.trials()).isEqualTo(2));
        String md = ExperimentReport.markdown(cells, r.backboneNotes(), "trainer experiment", "test", r.seconds());
        assertThat(md).contains("| 0-4>5-9 | 5 | transfer head |").contains("label efficiency 4x");

        Path png = dir.resolve("acc.png");
        ExperimentReport.plotAccuracy(cells, "0-4>5-9", 400, png);
        ExperimentReport.plotLearningCurves(r.trials(), "0-4>5-9", 20, dir.resolve("curves.png"));
        assertThat(Files.size(png)).isGreaterThan(1000);
        assertThat(Files.readAllBytes(dir.resolve("curves.png"))).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
}
