package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.training.Selection;
import dev.streamclassify.trainer.training.SemiSupervised;
import dev.streamclassify.trainer.training.TrainSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentRunnerTest {

    private static final List<String> LABELS = FashionMnist.CLASS_NAMES;
    private static final String SPLIT = "0-4>5-9";

    private static ExperimentPlan plan(Path cache) {
        return new ExperimentPlan(List.of(new ExperimentPlan.ClassSplit(SPLIT, LABELS.subList(0, 5), LABELS.subList(5, 10))),
                List.of(5), List.of(0L, 1L), 1, 40, HeadConfig.DEFAULT, new TrainSettings(3, 32, 30, 0), new TrainSettings(1, 32, 10, 0),
                List.of("pretrained", "rotation", "random"), List.of(SemiSupervised.Method.values()), List.of(0, 100), 5,
                List.of(new Selection.Candidate(1e-3, 1e-4)), 40, Optional.of(cache), Optional.empty(), true,
                SemiSupervised.Settings.SELF_TRAINING);
    }

    @Test
    void measuresEveryArmForEveryBudgetAndSeedAndReportsPairedDifferences(@TempDir Path dir) throws Exception {
        ExperimentPlan plan = plan(dir.resolve("backbones"));
        Dataset train = FashionMnist.sampleTrain();
        Dataset test = FashionMnist.sampleTest();
        ExperimentRunner.Result r = new ExperimentRunner(plan, new PrintStream(OutputStream.nullOutputStream())).run(train, test);

        // scratch, and per backbone labels-only + three methods (fixed and scaled self-training, label spreading) at one pool size
        assertThat(plan.arms()).hasSize(1 + 3 * 4);
        assertThat(r.trials()).hasSize(2 * plan.arms().size());
        assertThat(r.trials()).allSatisfy(t -> assertThat(t.accuracy()).isBetween(0.0, 1.0));
        assertThat(r.trials()).filteredOn(t -> t.perClass() == 5).allSatisfy(t -> assertThat(t.trainImages()).isEqualTo(25));
        // every arm, scratch included, has a learning curve: validation accuracy at growing update counts
        assertThat(r.trials()).allSatisfy(t -> assertThat(t.curve()).hasSizeGreaterThan(1)
                .extracting(Selection.Checkpoint::updates).isSorted().doesNotHaveDuplicates());
        // five target classes: a trained classifier must beat 20% chance
        assertThat(r.trials()).filteredOn(t -> t.arm().backbone().equals("pretrained")).allSatisfy(t -> assertThat(t.accuracy()).isGreaterThan(0.35));
        assertThat(r.trials()).filteredOn(t -> t.arm().method() == SemiSupervised.Method.SELF_TRAINING)
                .allSatisfy(t -> assertThat(t.chosen()).contains("pseudo="));
        // one pre-trained and one rotation backbone per seed, kept for the next run
        assertThat(r.backboneNotes()).filteredOn(n -> n.contains("source holdout accuracy")).hasSize(2);
        // the pool holds 100 + the largest sample (5 x 5), so that each budget can leave out its own labelled images
        assertThat(r.backboneNotes()).filteredOn(n -> n.contains("rotation backbone pre-trained on 125 unlabelled target images")).hasSize(2);
        try (var files = Files.list(dir.resolve("backbones"))) {
            assertThat(files.count()).isEqualTo(4);
        }

        List<ExperimentReport.Cell> cells = ExperimentReport.cells(r.trials());
        assertThat(cells).hasSize(plan.arms().size()).allSatisfy(c -> assertThat(c.trials()).isEqualTo(2));
        String md = ExperimentReport.markdown(r.trials(), r.backboneNotes(), "trainer experiment", "test", r.seconds());
        assertThat(md).contains("| 0-4>5-9 | 5 | pretrained head |", "| 0-4>5-9 | 5 | pretrained head + self-training U=100 |",
                "labels/class to reach scratch@20");

        Path png = dir.resolve("acc.png");
        ExperimentReport.plotAccuracy(cells, SPLIT, 400, png);
        ExperimentReport.plotLearningCurves(r.trials(), SPLIT, 5, dir.resolve("curves.png"));
        assertThat(Files.size(png)).isGreaterThan(1000);
        assertThat(Files.readAllBytes(dir.resolve("curves.png"))).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(LearningCurves.backbones(r.trials(), SPLIT, 5)).containsExactly("pretrained", "random", "rotation");
        assertThat(LearningCurves.plot(r.trials(), SPLIT, 5, "rotation", dir.resolve("val.png"))).isTrue();
        assertThat(LearningCurves.plot(r.trials(), SPLIT, 100, "rotation", dir.resolve("none.png"))).isFalse();
        assertThat(Files.size(dir.resolve("val.png"))).isGreaterThan(1000);
        assertThat(dir.resolve("none.png")).doesNotExist();
    }

    @Test
    void learningCurvesReadBackFromTheirOwnLines() {
        Arm semi = new Arm("tfjs:m/model.json#cut?size=96&pool=3x3", SemiSupervised.Method.SELF_TRAINING_SCALED, 1000);
        List<Selection.Checkpoint> curve = List.of(new Selection.Checkpoint(4, 0.5), new Selection.Checkpoint(8, 0.8125));
        Trial t = new Trial(SPLIT, semi, 5, 0, 2, 0.8, 3.0, List.of(), "lr=0.001 l2=1.0E-4 val=0.810 pseudo=[20]", curve);
        Trial other = new Trial(SPLIT, semi, 5, 0, 3, 0.7, 3.0, List.of(), "lr=0.001 l2=1.0E-4 val=0.700", List.of());

        List<Trial> back = ExperimentLog.parse(List.of(ExperimentLog.line(other), ExperimentLog.line(t), "noise", ExperimentLog.curveLine(t)));

        assertThat(back).containsExactly(other, t);
        // joined logs: the later log's trial replaces the earlier one's, nothing is counted twice
        Trial rerun = new Trial(SPLIT, semi, 5, 0, 2, 0.9, 3.0, List.of(), "lr=0.001 l2=1.0E-4 val=0.900");
        assertThat(ExperimentLog.join(List.of(List.of(ExperimentLog.line(t), ExperimentLog.line(other)), List.of(ExperimentLog.line(rerun)))))
                .containsExactly(rerun, other);
        assertThat(LearningCurves.shortName(semi.label())).isEqualTo("model.json#cut head + self-training-scaled U=1000");
    }

    @Test
    void trialLinesReadBackAsTheSameTrials() {
        Arm semi = new Arm("pretrained", SemiSupervised.Method.LABEL_SPREADING, 1000);
        Trial t = new Trial(SPLIT, semi, 20, 0, 3, 0.8765, 12.5, List.of(), "lr=0.001 l2=1.0E-4 val=0.810 pseudo=[764]");
        Trial s = new Trial("0.2.4.6.8>1.3.5.7.9", Arm.SCRATCH, 0, 0, 0, 0.9, 1.0, List.of(), "lr=0.001 l2=1.0E-4 epoch=3 val=0.900");
        Trial st = new Trial(SPLIT, new Arm("pretrained", SemiSupervised.Method.SELF_TRAINING, 1000), 5, 0, 2, 0.8585, 20.3, List.of(),
                "lr=0.001 l2=1.0E-4 val=0.800 pseudo=[200, 400] pseudo-acc=[0.995, 0.980]");

        assertThat(ExperimentLog.parse(List.of("noise", ExperimentLog.line(t), ExperimentLog.line(s), ExperimentLog.line(st))))
                .containsExactly(t, s, st);
    }

    @Test
    void tablesForDecisionsScoreEachTrialOnItsValidationAccuracy() {
        Arm head = new Arm("pretrained", SemiSupervised.Method.LABELS_ONLY, 0);
        List<Trial> trials = List.of(
                new Trial(SPLIT, head, 5, 25, 0, 0.90, 1, List.of(), "lr=0.001 l2=1.0E-4 val=0.810"),
                new Trial(SPLIT, head, 5, 25, 1, 0.91, 1, List.of(), "no validation here"));

        List<Trial> onVal = RecipeChoice.onValidation(trials);

        assertThat(onVal).singleElement().satisfies(t -> {
            assertThat(t.accuracy()).isEqualTo(0.81);
            assertThat(t.seed()).isZero();
            assertThat(t.arm()).isEqualTo(head);
        });
    }

    @Test
    void pairedDifferencesPairTrialsBySeed() {
        Arm semi = new Arm("pretrained", SemiSupervised.Method.SELF_TRAINING, 100);
        List<Trial> trials = List.of(
                new Trial(SPLIT, Arm.SCRATCH, 5, 25, 0, 0.70, 1, List.of(), ""),
                new Trial(SPLIT, Arm.SCRATCH, 5, 25, 1, 0.90, 1, List.of(), ""),
                new Trial(SPLIT, semi, 5, 25, 0, 0.75, 1, List.of(), ""),
                new Trial(SPLIT, semi, 5, 25, 1, 0.95, 1, List.of(), ""));

        ExperimentReport.Paired p = ExperimentReport.paired(trials, SPLIT, semi, Arm.SCRATCH, 5).orElseThrow();

        // unpaired, the means differ by 5 points with a huge spread; paired, every seed gains exactly 5
        assertThat(p.mean()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p.ci95()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p.pairs()).isEqualTo(2);
    }

    @Test
    void theFourTimesTargetPairsFiveLabelsAgainstScratchAtTwentyBySeed() {
        Arm spread = new Arm("pretrained", SemiSupervised.Method.LABEL_SPREADING, 1000);
        List<Trial> trials = List.of(
                new Trial(SPLIT, Arm.SCRATCH, 20, 100, 0, 0.88, 1, List.of(), ""),
                new Trial(SPLIT, Arm.SCRATCH, 20, 100, 1, 0.92, 1, List.of(), ""),
                new Trial(SPLIT, Arm.SCRATCH, 5, 25, 0, 0.70, 1, List.of(), ""),
                new Trial(SPLIT, spread, 5, 25, 0, 0.89, 1, List.of(), ""),
                new Trial(SPLIT, spread, 5, 25, 1, 0.93, 1, List.of(), ""));

        ExperimentReport.Paired p = ExperimentReport.paired(trials, SPLIT, spread, Arm.SCRATCH, 5, 20).orElseThrow();

        assertThat(p.pairs()).isEqualTo(2);
        assertThat(p.mean()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ExperimentReport.markdown(trials, List.of(), "cmd", "machine", 1))
                .contains("| " + SPLIT + " | pretrained head + label-spreading U=1000 | +1.0 ± 0.0 (2) |");
    }

    @Test
    void recipeIsDecidedOnValidationAccuracyEvenWhenTheHoldoutSaysOtherwise() {
        Arm fixed = new Arm("pretrained", SemiSupervised.Method.SELF_TRAINING, 1000);
        Arm scaled = new Arm("pretrained", SemiSupervised.Method.SELF_TRAINING_SCALED, 1000);
        List<Trial> trials = List.of(
                new Trial(SPLIT, fixed, 5, 25, 0, 0.90, 1, List.of(), "lr=0.001 l2=1.0E-4 val=0.800 pseudo=[200]"),
                new Trial(SPLIT, fixed, 5, 25, 1, 0.91, 1, List.of(), "lr=0.001 l2=1.0E-4 val=0.810 pseudo=[200]"),
                new Trial(SPLIT, scaled, 5, 25, 0, 0.85, 1, List.of(), "lr=0.001 l2=1.0E-4 val=0.830 pseudo=[20]"),
                new Trial(SPLIT, scaled, 5, 25, 1, 0.86, 1, List.of(), "lr=0.001 l2=1.0E-4 val=0.840 pseudo=[20]"));

        RecipeChoice.Decision d = RecipeChoice.decide(trials).orElseThrow();

        assertThat(d.chosen()).isEqualTo(SemiSupervised.Method.SELF_TRAINING_SCALED);
        assertThat(d.pairs()).isEqualTo(2);
        assertThat(d.validationMean()).isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(RecipeChoice.markdown(trials)).contains("| +3.0 ± 0.0 (2) | -5.0 ± 0.0 (2) |", "**self-training-scaled**");
        assertThat(RecipeChoice.decide(trials.subList(0, 2))).isEmpty();
    }

    @Test
    void labelsNeededInterpolatesInLogLabels() {
        Arm head = new Arm("pretrained", SemiSupervised.Method.LABELS_ONLY, 0);
        List<ExperimentReport.Cell> cells = List.of(
                new ExperimentReport.Cell(SPLIT, head, 5, 3, 0.80, 0, 0),
                new ExperimentReport.Cell(SPLIT, head, 20, 3, 0.90, 0, 0));

        assertThat(ExperimentReport.labelsNeeded(cells, SPLIT, head, 0.85).getAsDouble()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ExperimentReport.labelsNeeded(cells, SPLIT, head, 0.95)).isEmpty();
        assertThat(ExperimentReport.labelsNeeded(cells, SPLIT, head, 0.70).getAsDouble()).isEqualTo(5.0);
    }

    @Test
    void fourQuarterTurnsGiveTheImageBack() {
        byte[] px = new byte[6];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        RawImage img = new RawImage(3, 2, 1, px);
        RawImage once = Rotations.quarterTurn(img);

        assertThat(once.width()).isEqualTo(2);
        assertThat(once.height()).isEqualTo(3);
        // top-left after a clockwise turn is the old bottom-left
        assertThat(once.at(0, 0, 0)).isEqualTo(img.at(0, 1, 0));
        assertThat(Rotations.quarterTurn(Rotations.quarterTurn(Rotations.quarterTurn(once)))).isEqualTo(img);
    }
}
