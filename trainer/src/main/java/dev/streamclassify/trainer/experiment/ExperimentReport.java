package dev.streamclassify.trainer.experiment;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns trials into the markdown tables of docs/transfer-results.md and its PNG plots. Claims rest on paired
 * differences (same split, budget and seed, so the same labelled images, validation set and pool) with a 95%
 * Student-t interval, not on means.
 */
public final class ExperimentReport {

    /** Mean and half-width of the 95% confidence interval (Student t) of one arm at one budget. */
    public record Cell(String split, Arm arm, int perClass, int trials, double mean, double ci95, double meanSeconds) {
    }

    /** Mean paired difference {@code arm - baseline} and its 95% half-width, over the seeds both have. */
    public record Paired(String split, Arm arm, Arm baseline, int perClass, int pairs, double mean, double ci95) {
    }

    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    private ExperimentReport() {
    }

    static double[] meanCi(double[] xs) {
        int n = xs.length;
        double mean = 0;
        for (double x : xs) {
            mean += x / n;
        }
        if (n < 2) {
            return new double[]{mean, 0};
        }
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean) / (n - 1);
        }
        double t = n - 1 <= T95.length ? T95[n - 2] : 1.96;
        return new double[]{mean, t * Math.sqrt(var / n)};
    }

    public static List<Cell> cells(List<Trial> trials) {
        Map<String, List<Trial>> groups = trials.stream().collect(Collectors.groupingBy(
                t -> t.split() + "|" + t.arm() + "|" + t.perClass(), TreeMap::new, Collectors.toList()));
        List<Cell> cells = new ArrayList<>();
        for (List<Trial> g : groups.values()) {
            Trial t0 = g.get(0);
            double[] mc = meanCi(g.stream().mapToDouble(Trial::accuracy).toArray());
            double secs = g.stream().mapToDouble(Trial::trainSeconds).average().orElse(0);
            cells.add(new Cell(t0.split(), t0.arm(), t0.perClass(), g.size(), mc[0], mc[1], secs));
        }
        cells.sort(Comparator.comparing(Cell::split).thenComparing(c -> c.perClass() == 0 ? Integer.MAX_VALUE : c.perClass())
                .thenComparing(Cell::arm));
        return cells;
    }

    /** {@code arm - baseline} paired by split, budget and seed. */
    public static Optional<Paired> paired(List<Trial> trials, String split, Arm arm, Arm baseline, int perClass) {
        return paired(trials, split, arm, baseline, perClass, perClass);
    }

    /**
     * {@code arm} at {@code perClass} minus {@code baseline} at {@code baselinePerClass}, paired by split and seed (the
     * same validation set and per-seed backbone; the labelled images differ with the budget): the label-efficiency
     * target as an interval, e.g. a head at 5 labels/class against scratch at 20.
     */
    public static Optional<Paired> paired(List<Trial> trials, String split, Arm arm, Arm baseline, int perClass, int baselinePerClass) {
        Map<Long, Double> base = new TreeMap<>();
        trials.stream().filter(t -> t.split().equals(split) && t.arm().equals(baseline) && t.perClass() == baselinePerClass)
                .forEach(t -> base.put(t.seed(), t.accuracy()));
        double[] d = trials.stream().filter(t -> t.split().equals(split) && t.arm().equals(arm) && t.perClass() == perClass
                        && base.containsKey(t.seed()))
                .mapToDouble(t -> t.accuracy() - base.get(t.seed())).toArray();
        if (d.length == 0) {
            return Optional.empty();
        }
        double[] mc = meanCi(d);
        return Optional.of(new Paired(split, arm, baseline, perClass, d.length, mc[0], mc[1]));
    }

    static Optional<Cell> find(List<Cell> cells, String split, Arm arm, int n) {
        return cells.stream().filter(c -> c.split().equals(split) && c.arm().equals(arm) && c.perClass() == n).findFirst();
    }

    /**
     * Labels per class {@code arm} needs to reach {@code target} accuracy, interpolated linearly in log N between
     * the measured budgets; empty when it never gets there within them.
     */
    static OptionalDouble labelsNeeded(List<Cell> cells, String split, Arm arm, double target) {
        List<Cell> curve = cells.stream().filter(c -> c.split().equals(split) && c.arm().equals(arm) && c.perClass() > 0)
                .sorted(Comparator.comparingInt(Cell::perClass)).toList();
        for (int i = 0; i < curve.size(); i++) {
            Cell c = curve.get(i);
            if (c.mean() >= target) {
                if (i == 0) {
                    return OptionalDouble.of(c.perClass());
                }
                Cell p = curve.get(i - 1);
                double f = (target - p.mean()) / (c.mean() - p.mean());
                return OptionalDouble.of(Math.exp(Math.log(p.perClass()) + f * (Math.log(c.perClass()) - Math.log(p.perClass()))));
            }
        }
        return OptionalDouble.empty();
    }

    public static String markdown(List<Trial> trials, List<String> notes, String command, String machine, double seconds) {
        List<Cell> cells = cells(trials);
        var sb = new StringBuilder();
        sb.append("Command: `").append(command).append("`  \n");
        sb.append("Machine: ").append(machine).append("; total wall time ")
                .append(seconds < 0 ? "in the runs' own logs" : String.format(Locale.ROOT, "%.0f s", seconds)).append("\n\n");
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        sb.append("\n| split | labels/class | method | accuracy (mean ± 95% CI) | seeds | train time incl. selection (s) |\n|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f%s | %d | %.2f |%n", c.split(), c.perClass() == 0 ? "all" : c.perClass(),
                    c.arm().label(), 100 * c.mean(), c.trials() < 2 ? " (one seed)" : String.format(Locale.ROOT, " ± %.1f", 100 * c.ci95()),
                    c.trials(), c.meanSeconds()));
        }
        sb.append("\nPaired differences in points (same labelled images, validation set, pool and seed), mean ± 95% CI:\n\n");
        sb.append("| split | labels/class | method | vs from scratch | vs same backbone, labels only |\n|---|---|---|---|---|\n");
        for (Cell c : cells) {
            if (c.arm().scratch()) {
                continue;
            }
            String vsScratch = paired(trials, c.split(), c.arm(), Arm.SCRATCH, c.perClass()).map(ExperimentReport::points).orElse("");
            String vsLabels = c.arm().equals(c.arm().labelsOnly()) ? ""
                    : paired(trials, c.split(), c.arm(), c.arm().labelsOnly(), c.perClass()).map(ExperimentReport::points).orElse("");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", c.split(), c.perClass() == 0 ? "all" : c.perClass(), c.arm().label(),
                    vsScratch, vsLabels));
        }
        if (cells.stream().anyMatch(c -> c.perClass() == 5 && !c.arm().scratch()) && cells.stream().anyMatch(c -> c.perClass() == 20 && c.arm().scratch())) {
            sb.append("\nThe 4x target, paired by seed: each method at 5 labels/class minus from scratch at 20 labels/class (same seed: the "
                    + "same validation set and backbone; the labelled images differ by design), in points, mean ± 95% CI (pairs):\n\n");
            sb.append("| split | method at 5 labels/class | vs from scratch at 20 labels/class |\n|---|---|---|\n");
            for (Cell c : cells) {
                if (c.perClass() != 5 || c.arm().scratch()) {
                    continue;
                }
                paired(trials, c.split(), c.arm(), Arm.SCRATCH, 5, 20).ifPresent(p -> sb.append(String.format(Locale.ROOT, "| %s | %s | %s |%n",
                        c.split(), c.arm().label(), points(p))));
            }
        }
        sb.append("\nLabel efficiency: labels per class each method needs to reach from-scratch accuracy at 20 labels/class "
                + "(interpolated in log N between measured budgets; efficiency = 20 / that):\n\n");
        sb.append("| split | method | labels/class to reach scratch@20 | efficiency |\n|---|---|---|---|\n");
        List<Arm> arms = cells.stream().map(Cell::arm).distinct().sorted().toList();
        for (String split : cells.stream().map(Cell::split).distinct().toList()) {
            Optional<Cell> s20 = find(cells, split, Arm.SCRATCH, 20);
            if (s20.isEmpty()) {
                continue;
            }
            for (Arm arm : arms.stream().filter(a -> cells.stream().anyMatch(c -> c.split().equals(split) && c.arm().equals(a))).toList()) {
                OptionalDouble need = labelsNeeded(cells, split, arm, s20.get().mean());
                int max = cells.stream().filter(c -> c.split().equals(split) && c.arm().equals(arm)).mapToInt(Cell::perClass).max().orElse(0);
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", split, arm.label(),
                        need.isPresent() ? String.format(Locale.ROOT, "%.1f", need.getAsDouble()) : "> " + max,
                        need.isPresent() ? String.format(Locale.ROOT, "%.1fx", 20 / need.getAsDouble()) : "< " + String.format(Locale.ROOT, "%.1fx", 20.0 / Math.max(1, max))));
            }
        }
        return sb.toString();
    }

    static String points(Paired p) {
        return p.pairs() < 2 ? String.format(Locale.ROOT, "%+.1f (one seed)", 100 * p.mean())
                : String.format(Locale.ROOT, "%+.1f ± %.1f (%d)", 100 * p.mean(), 100 * p.ci95(), p.pairs());
    }

    /** Accuracy against labels per class (log scale), one line per arm with 95% CI error bars. */
    public static void plotAccuracy(List<Cell> cells, String split, int allPerClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600).title("Accuracy vs labels per class (" + split + ")")
                .xAxisTitle("labelled images per class").yAxisTitle("holdout accuracy (%)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        for (Arm arm : cells.stream().map(Cell::arm).distinct().sorted().toList()) {
            List<Cell> cs = cells.stream().filter(c -> c.split().equals(split) && c.arm().equals(arm)).toList();
            if (cs.isEmpty()) {
                continue;
            }
            double[] x = cs.stream().mapToDouble(c -> c.perClass() == 0 ? allPerClass : c.perClass()).toArray();
            double[] y = cs.stream().mapToDouble(c -> 100 * c.mean()).toArray();
            double[] e = cs.stream().mapToDouble(c -> 100 * c.ci95()).toArray();
            XYSeries s = chart.addSeries(arm.label(), x, y, e);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, png);
    }

    /** Training loss per epoch of the first seed at one budget, one line per arm (the kept fit of each). */
    public static void plotLearningCurves(List<Trial> trials, String split, int perClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title("Learning curves (" + split + ", " + perClass + " labels/class, first seed)")
                .xAxisTitle("epoch").yAxisTitle("mean training loss").build();
        chart.getStyler().setXAxisLogarithmic(true);
        long firstSeed = trials.stream().mapToLong(Trial::seed).min().orElse(0);
        for (Trial t : trials.stream().filter(t -> t.split().equals(split) && t.perClass() == perClass && t.seed() == firstSeed)
                .sorted(Comparator.comparing(Trial::arm)).toList()) {
            if (t.epochLosses().isEmpty()) {
                continue;
            }
            double[] x = new double[t.epochLosses().size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            chart.addSeries(t.arm().label(), x, t.epochLosses().stream().mapToDouble(Double::doubleValue).toArray()).setMarker(SeriesMarkers.NONE);
        }
        save(chart, png);
    }

    static void save(XYChart chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
