package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.dataset.DataSources;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.experiment.ExperimentLog;
import dev.streamclassify.trainer.experiment.ExperimentPlan;
import dev.streamclassify.trainer.experiment.ExperimentReport;
import dev.streamclassify.trainer.experiment.ExperimentRunner;
import dev.streamclassify.trainer.experiment.ImportedBackboneExperiment;
import dev.streamclassify.trainer.experiment.ImportedBackboneReport;
import dev.streamclassify.trainer.experiment.LearningCurves;
import dev.streamclassify.trainer.experiment.RecipeChoice;
import dev.streamclassify.model.backbone.Pooling;
import dev.streamclassify.trainer.training.Selection;
import dev.streamclassify.trainer.training.SemiSupervised;
import dev.streamclassify.trainer.training.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;

@Command(name = "experiment", description = "Measure heads on frozen backbones (labels only and semi-supervised with an unlabelled pool) "
        + "against the same net trained from scratch over splits, label budgets and seeds, every method selected by the same rule on a "
        + "validation split; write markdown tables and plots.")
final class ExperimentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", defaultValue = "sample", description = "sample | fashion-mnist[:DIR] (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--splits", split = ";", defaultValue = "0-4>5-9;0,2,4,6,8>1,3,5,7,9",
            description = "source>target class splits separated by ';' (default: ${DEFAULT-VALUE})")
    List<String> splits;

    @Option(names = "--per-class", split = ",", defaultValue = "5,20,100,0", description = "labels per target class, 0 = all (default: ${DEFAULT-VALUE})")
    List<Integer> perClass;

    @Option(names = "--seeds", defaultValue = "3")
    int seeds;

    @Option(names = "--first-seed", defaultValue = "0", description = "seeds run are first-seed .. first-seed + seeds - 1, so one run can be "
            + "split over processes and joined with --from-log (default: ${DEFAULT-VALUE})")
    long firstSeed;

    @Option(names = "--pretrain-epochs", defaultValue = "2")
    int pretrainEpochs;

    @Option(names = "--source-per-class", defaultValue = "0", description = "cap on source images per class, 0 = all")
    int sourcePerClass;

    @Option(names = "--scratch-min-updates", defaultValue = "150")
    int scratchMinUpdates;

    @Option(names = "--scratch-epochs", defaultValue = "2", description = "epochs of from-scratch training at large budgets (default: ${DEFAULT-VALUE})")
    int scratchEpochs;

    @Option(names = "--backbones", split = ",", defaultValue = "pretrained,random",
            description = "pretrained (on the source classes, per seed), random (frozen at random init, per seed), rotation "
                    + "(rotation prediction on the unlabelled target pool, per seed) or any --backbone spec (default: ${DEFAULT-VALUE})")
    List<String> backbones;

    @Option(names = "--methods", split = ",", defaultValue = "labels-only,self-training,label-spreading",
            description = "head training methods (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--unlabelled", split = ",", defaultValue = "0,1000", description = "unlabelled pool sizes of the semi-supervised methods (default: ${DEFAULT-VALUE})")
    List<Integer> unlabelled;

    @Option(names = "--val-per-class", defaultValue = "20", description = "labelled validation images per class, taken from the target training pool (default: ${DEFAULT-VALUE})")
    int valPerClass;

    @Option(names = "--lr", split = ",", defaultValue = "1e-3", description = "learning rates the selection rule tries, every method (default: ${DEFAULT-VALUE})")
    List<Double> learningRates;

    @Option(names = "--l2", split = ",", defaultValue = "1e-4",
            description = "L2 penalties the selection rule tries, every method, e.g. 1e-4,1e-2 (default: ${DEFAULT-VALUE})")
    List<Double> l2s;

    @Option(names = "--holdout-per-class", defaultValue = "0", description = "cap on holdout images per class, 0 = all (default: ${DEFAULT-VALUE})")
    int holdoutPerClass;

    @Option(names = "--head-epochs", defaultValue = "20")
    int headEpochs;

    @Option(names = "--head-min-updates", defaultValue = "300", description = "minibatch updates at least per softmax head (default: ${DEFAULT-VALUE})")
    int headMinUpdates;

    @Option(names = "--backbone-cache", defaultValue = "target/experiment/backbones",
            description = "pre-trained backbones per seed are kept here so reruns skip pre-training; 'none' = keep nothing (default: ${DEFAULT-VALUE})")
    String backboneCache;

    @Option(names = "--out", defaultValue = "docs/transfer-results.md")
    Path out;

    @Option(names = "--backbone", description = "instead of pre-training: measure these backbones (repeatable), each cut at a "
            + "spatial layer with pool=none, e.g. tfjs:backbones/mobilenet-v2-nsfwjs/model.json#block_10_project_BN?pool=none&size=96 "
            + "(add &weights=random:1 for the random-weight control)")
    List<String> imported = new ArrayList<>();

    @Option(names = "--poolings", split = ",", defaultValue = "global,3x3", description = "with --backbone: poolings of the cached features (default: ${DEFAULT-VALUE})")
    List<String> poolings;

    @Option(names = "--targets", split = ";", defaultValue = "5-9;1,3,5,7,9;0-9", description = "with --backbone: target class sets (default: ${DEFAULT-VALUE})")
    List<String> targets;


    @Option(names = "--cache-dir", defaultValue = "target/feature-cache",
            description = "feature cache of --backbone and of backbone specs in --backbones, one file per backbone fingerprint (default: ${DEFAULT-VALUE})")
    Path cacheDir;

    @Option(names = "--scratch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "train the from-scratch arm; --no-scratch when a run only adds backbones to seeds already measured (default: ${DEFAULT-VALUE})")
    boolean scratch;

    @Option(names = "--rounds", defaultValue = "4", description = "self-training rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--pseudo-share", defaultValue = "0.8",
            description = "share of the pool's per-class quota pseudo-labelled in the last round, self-training and label spreading (default: ${DEFAULT-VALUE})")
    double pseudoShare;

    @Option(names = "--score", defaultValue = "holdout",
            description = "holdout | validation: what the tables report; validation is what recipe and lever decisions are made on, "
                    + "the holdout is only reported (default: ${DEFAULT-VALUE})")
    String score;

    @Option(names = "--from-log", split = ",", description = "run nothing: build the tables and plots from the trial and curve lines earlier runs printed "
            + "(e.g. one process per split, or a stopped run); where two logs hold the same trial, the later log wins")
    List<Path> fromLog;

    @Override
    public Integer call() throws Exception {
        if (!score.equals("holdout") && !score.equals("validation")) {
            throw new IllegalArgumentException("--score must be holdout or validation, was '" + score + "'");
        }
        DataSources.Loaded loaded = DataSources.load(data);
        if (!imported.isEmpty()) {
            return importedBackbones(loaded);
        }
        List<String> labels = loaded.train().labels();
        List<ExperimentPlan.ClassSplit> classSplits = new ArrayList<>();
        for (String s : splits) {
            String[] st = s.split(">");
            if (st.length != 2) {
                throw new IllegalArgumentException("split '" + s + "' must be SOURCE>TARGET");
            }
            classSplits.add(new ExperimentPlan.ClassSplit(st[0].replace(',', '.') + ">" + st[1].replace(',', '.'),
                    DataSources.classes(st[0], labels), DataSources.classes(st[1], labels)));
        }
        List<Selection.Candidate> candidates = new ArrayList<>();
        learningRates.forEach(lr -> l2s.forEach(l2 -> candidates.add(new Selection.Candidate(lr, l2))));
        ExperimentPlan plan = new ExperimentPlan(classSplits, perClass, LongStream.range(firstSeed, firstSeed + seeds).boxed().toList(), pretrainEpochs,
                sourcePerClass, HeadConfig.DEFAULT, new TrainSettings(headEpochs, 64, headMinUpdates, 0),
                new TrainSettings(scratchEpochs, 64, scratchMinUpdates, 0), backbones,
                methods.stream().map(SemiSupervised.Method::fromWire).toList(), unlabelled, valPerClass, candidates, holdoutPerClass,
                backboneCache.equals("none") ? Optional.empty() : Optional.of(Path.of(backboneCache)), Optional.of(cacheDir), scratch,
                SemiSupervised.Settings.SELF_TRAINING.withRounds(rounds, pseudoShare));
        ExperimentRunner.Result r;
        if (fromLog == null || fromLog.isEmpty()) {
            r = new ExperimentRunner(plan, System.out).run(loaded.train(), loaded.test());
        } else {
            List<String> lines = new ArrayList<>();
            List<List<String>> logs = new ArrayList<>();
            for (Path p : fromLog) {
                logs.add(Files.readAllLines(p));
                lines.addAll(logs.get(logs.size() - 1));
            }
            // a finished run's log also holds its printed report: its "- note" lines must not come back as notes
            List<String> notes = lines.stream().map(String::strip)
                    .filter(l -> !l.startsWith("-") && (l.contains("pre-trained on") || l.contains("rotation backbone"))).distinct().toList();
            r = new ExperimentRunner.Result(ExperimentLog.join(logs), notes, -1);
        }
        if (score.equals("validation")) {
            r = new ExperimentRunner.Result(RecipeChoice.onValidation(r.trials()), r.backboneNotes(), r.seconds());
        }
        List<ExperimentReport.Cell> cells = ExperimentReport.cells(r.trials());
        String command = "trainer " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version");
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        var md = new StringBuilder(score.equals("validation") ? "# Transfer results, scored on the validation set\n\nEvery accuracy "
                + "below is the validation accuracy of the kept checkpoint (the set the selection rule looked at, so it flatters every "
                + "arm alike): what recipe and lever decisions are made on. The holdout is not used here.\n\n" : "# Transfer results\n\n").append(ExperimentReport.markdown(r.trials(), r.backboneNotes(), command, machine, r.seconds()))
                .append(RecipeChoice.markdown(r.trials()));
        int all = loaded.train().countsPerClass().values().stream().mapToInt(Integer::intValue).max().orElse(1);
        String stem = out.getFileName().toString().replace(".md", "");
        md.append('\n');
        for (var s : classSplits) {
            String safe = s.name().replaceAll("[^A-Za-z0-9]+", "_");
            Path acc = dir.resolve(stem + "-accuracy-" + safe + ".png");
            ExperimentReport.plotAccuracy(cells, s.name(), all, acc);
            md.append("![accuracy ").append(s.name()).append("](").append(acc.getFileName()).append(")\n");
            for (int n : perClass) {
                for (String b : LearningCurves.backbones(r.trials(), s.name(), n)) {
                    Path curves = dir.resolve(stem + "-curves-" + safe + "-n" + n + "-" + b.replaceAll("[^A-Za-z0-9]+", "_") + ".png");
                    if (LearningCurves.plot(r.trials(), s.name(), n, b, curves)) {
                        md.append("![validation accuracy vs updates ").append(s.name()).append(" N=").append(n == 0 ? "all" : n).append(' ')
                                .append(LearningCurves.shortName(b)).append("](").append(curves.getFileName()).append(")\n");
                    }
                }
            }
        }
        Files.writeString(out, md);
        System.out.println(md);
        System.out.println("wrote " + out);
        return 0;
    }

    /** No pre-training: the given backbones against the random-weight control and scratch, on every target. */
    private int importedBackbones(DataSources.Loaded loaded) throws Exception {
        List<String> labels = loaded.train().labels();
        List<ImportedBackboneExperiment.Target> ts = targets.stream()
                .map(t -> new ImportedBackboneExperiment.Target(t.replace(',', '.'), DataSources.classes(t, labels))).toList();
        List<Selection.Candidate> candidates = new ArrayList<>();
        learningRates.forEach(lr -> l2s.forEach(l2 -> candidates.add(new Selection.Candidate(lr, l2))));
        var plan = new ImportedBackboneExperiment.Plan(imported, poolings.stream().map(Pooling::parse).toList(), ts, perClass,
                LongStream.range(firstSeed, firstSeed + seeds).boxed().toList(), holdoutPerClass, valPerClass, candidates, cacheDir,
                HeadConfig.DEFAULT, new TrainSettings(headEpochs, 64, headMinUpdates, 0), new TrainSettings(scratchEpochs, 64, scratchMinUpdates, 0));
        long t0 = System.nanoTime();
        List<ImportedBackboneExperiment.Row> rows;
        double seconds;
        if (fromLog == null || fromLog.isEmpty()) {
            rows = new ImportedBackboneExperiment(plan, System.out).run(loaded.train(), loaded.test());
            seconds = (System.nanoTime() - t0) / 1e9;
        } else {
            List<String> lines = new ArrayList<>();
            for (Path p : fromLog) {
                lines.addAll(Files.readAllLines(p));
            }
            rows = ImportedBackboneExperiment.RowLog.parse(lines);
            seconds = -1;
        }
        String command = "trainer " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version");
        int all = loaded.train().countsPerClass().values().stream().mapToInt(Integer::intValue).max().orElse(1);
        String md = ImportedBackboneReport.write(rows, ts.stream().map(ImportedBackboneExperiment.Target::name).toList(), command, machine, seconds,
                all - valPerClass, out);
        System.out.println(md);
        System.out.println("wrote " + out);
        return 0;
    }
}
