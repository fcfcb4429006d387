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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Turns trials into the markdown table of docs/transfer-results.md and its PNG plots. */
public final class ExperimentReport {

    /** Mean and half-width of the 95% confidence interval (Student t) of one method at one budget. */
    public record Cell(String split, Method method, int perClass, int trials, double mean, double ci95, double meanSeconds) {
    }

    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    private ExperimentReport() {
    }

    public static List<Cell> cells(List<Trial> trials) {
        Map<String, List<Trial>> groups = trials.stream().collect(Collectors.groupingBy(
                t -> t.split() + "|" + t.method() + "|" + t.perClass(), TreeMap::new, Collectors.toList()));
        List<Cell> cells = new ArrayList<>();
        for (List<Trial> g : groups.values()) {
            Trial t0 = g.get(0);
            double[] meanCi = meanAndCi95(g.stream().mapToDouble(Trial::accuracy).toArray());
            double secs = g.stream().mapToDouble(Trial::trainSeconds).average().orElse(0);
            cells.add(new Cell(t0.split(), t0.method(), t0.perClass(), g.size(), meanCi[0], meanCi[1], secs));
        }
        cells.sort(Comparator.comparing(Cell::split).thenComparing(c -> c.perClass() == 0 ? Integer.MAX_VALUE : c.perClass())
                .thenComparing(Cell::method));
        return cells;
    }

    /** Mean and half-width of its 95% confidence interval (Student t; 0 for a single value). */
    static double[] meanAndCi95(double[] values) {
        double mean = java.util.Arrays.stream(values).average().orElse(0);
        int n = values.length;
        double var = n < 2 ? 0 : java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
        double t = n < 2 ? 0 : (n - 1 <= T95.length ? T95[n - 2] : 1.96);
        return new double[]{mean, t * Math.sqrt(var / Math.max(n, 1))};
    }

    static Optional<Cell> find(List<Cell> cells, String split, Method m, int n) {
        return cells.stream().filter(c -> c.split().equals(split) && c.method() == m && c.perClass() == n).findFirst();
    }

    public static String markdown(List<Cell> cells, List<String> notes, String command, String machine, double seconds) {
        var sb = new StringBuilder();
        sb.append("Command: `").append(command).append("`  \n");
        sb.append("Machine: ").append(machine).append("; total wall time ").append(String.format("%.0f s", seconds)).append("\n\n");
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        sb.append("\n| split | labels/class | method | accuracy (mean ± 95% CI) | seeds | train time (s) |\n|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format("| %s | %s | %s | %.1f ± %.1f | %d | %.2f |%n", c.split(), c.perClass() == 0 ? "all" : c.perClass(),
                    c.method().label(), 100 * c.mean(), 100 * c.ci95(), c.trials(), c.meanSeconds()));
        }
        sb.append("\nClaims, per split:\n\n");
        for (String split : cells.stream().map(Cell::split).distinct().toList()) {
            Optional<Cell> t5 = find(cells, split, Method.TRANSFER, 5);
            Optional<Cell> s20 = find(cells, split, Method.SCRATCH, 20);
            Optional<Cell> r5 = find(cells, split, Method.RANDOM_BACKBONE, 5);
            if (t5.isPresent() && s20.isPresent()) {
                boolean holds = t5.get().mean() >= s20.get().mean();
                sb.append(String.format("- %s, label efficiency 4x (transfer@5 %.1f >= scratch@20 %.1f): **%s**%n", split,
                        100 * t5.get().mean(), 100 * s20.get().mean(), holds ? "holds" : "does not hold"));
            }
            if (t5.isPresent() && r5.isPresent()) {
                double gap = 100 * (t5.get().mean() - r5.get().mean());
                sb.append(String.format("- %s, pre-training vs random frozen backbone at 5 labels/class: %+.1f points (target >= +3): **%s**%n",
                        split, gap, gap >= 3 ? "holds" : "does not hold"));
            }
        }
        return sb.toString();
    }

    /** Accuracy against labels per class (log scale), one line per method with 95% CI error bars. */
    public static void plotAccuracy(List<Cell> cells, String split, int allPerClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Accuracy vs labels per class (" + split + ")")
                .xAxisTitle("labelled images per class").yAxisTitle("holdout accuracy (%)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        for (Method m : Method.values()) {
            List<Cell> cs = cells.stream().filter(c -> c.split().equals(split) && c.method() == m).toList();
            if (cs.isEmpty()) {
                continue;
            }
            double[] x = cs.stream().mapToDouble(c -> c.perClass() == 0 ? allPerClass : c.perClass()).toArray();
            double[] y = cs.stream().mapToDouble(c -> 100 * c.mean()).toArray();
            double[] e = cs.stream().mapToDouble(c -> 100 * c.ci95()).toArray();
            XYSeries s = chart.addSeries(m.label(), x, y, e);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, png);
    }

    /** Training loss per epoch of the first seed at one budget: head on cached features vs the full network. */
    public static void plotLearningCurves(List<Trial> trials, String split, int perClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title("Learning curves (" + split + ", " + perClass + " labels/class, first seed)")
                .xAxisTitle("epoch").yAxisTitle("mean training loss").build();
        for (Method m : Method.values()) {
            trials.stream().filter(t -> t.split().equals(split) && t.method() == m && t.perClass() == perClass).findFirst()
                    .filter(t -> !t.epochLosses().isEmpty())
                    .ifPresent(t -> {
                        double[] x = new double[t.epochLosses().size()];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = i + 1;
                        }
                        chart.addSeries(m.label(), x, t.epochLosses().stream().mapToDouble(Double::doubleValue).toArray())
                                .setMarker(SeriesMarkers.NONE);
                    });
        }
        save(chart, png);
    }

    static void save(XYChart chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
