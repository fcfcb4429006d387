package dev.streamclassify.trainer.experiment;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The report of an {@link ImportedBackboneExperiment}: accuracy per cell over seeds, the paired differences the
 * claims rest on (ImageNet weights vs the same architecture with random weights, and vs the small CNN from scratch,
 * same seed = same labelled images and validation set), and one accuracy-vs-N plot per target and head.
 */
public final class ImportedBackboneReport {

    /** Mean and 95% CI of one (target, features, pooling, head, budget) over seeds. */
    public record Cell(String target, String features, String pooling, String head, int perClass, int seeds, double mean,
                       double ci95, double seconds) {
        String series() {
            return features + (pooling.equals("-") ? "" : ", pool " + pooling) + ", " + head;
        }
    }

    /** Mean paired difference {@code arm - baseline} in accuracy and its 95% half-width over the seeds both have. */
    public record Paired(Cell arm, String baseline, int pairs, double mean, double ci95) {
    }

    private ImportedBackboneReport() {
    }

    static boolean isScratch(String features) {
        return features.startsWith(ImportedBackboneExperiment.SCRATCH);
    }

    static boolean isRandom(String features) {
        return features.contains("/random:");
    }

    private static String key(ImportedBackboneExperiment.Row r) {
        return r.target() + "|" + r.features() + "|" + r.pooling() + "|" + r.head() + "|" + r.perClass();
    }

    private static int order(int perClass) {
        return perClass == 0 ? Integer.MAX_VALUE : perClass;
    }

    public static List<Cell> cells(List<ImportedBackboneExperiment.Row> rows) {
        Map<String, List<ImportedBackboneExperiment.Row>> groups = rows.stream()
                .collect(Collectors.groupingBy(ImportedBackboneReport::key, LinkedHashMap::new, Collectors.toList()));
        List<Cell> cells = new ArrayList<>();
        for (List<ImportedBackboneExperiment.Row> g : groups.values()) {
            var r0 = g.get(0);
            double[] m = ExperimentReport.meanCi(g.stream().mapToDouble(ImportedBackboneExperiment.Row::accuracy).toArray());
            double secs = g.stream().mapToDouble(ImportedBackboneExperiment.Row::trainSeconds).average().orElse(0);
            cells.add(new Cell(r0.target(), r0.features(), r0.pooling(), r0.head(), r0.perClass(), g.size(), m[0], m[1], secs));
        }
        cells.sort(Comparator.comparing(Cell::target).thenComparing(c -> order(c.perClass()))
                .thenComparing(Cell::features).thenComparing(Cell::pooling).thenComparing(Cell::head));
        return cells;
    }

    /**
     * For every cell of pre-trained (not random, not scratch) features: the paired difference to the same cut with
     * random weights (same pooling and head) and to scratch, over the seeds both measured.
     */
    public static List<Paired> paired(List<ImportedBackboneExperiment.Row> rows, List<Cell> cells) {
        Map<String, ImportedBackboneExperiment.Row> bySeed = new LinkedHashMap<>();
        rows.forEach(r -> bySeed.put(key(r) + "|" + r.seed(), r));
        List<Paired> out = new ArrayList<>();
        for (Cell c : cells) {
            if (isScratch(c.features()) || isRandom(c.features())) {
                continue;
            }
            String prefix = c.features() + "/random:";
            cells.stream().filter(b -> b.features().startsWith(prefix) && b.target().equals(c.target()) && b.perClass() == c.perClass()
                            && b.pooling().equals(c.pooling()) && b.head().equals(c.head())).map(b -> b.target() + "|" + b.features() + "|"
                            + b.pooling() + "|" + b.head() + "|" + b.perClass()).findFirst()
                    .flatMap(b -> pair(c, b, "random weights", rows, bySeed)).ifPresent(out::add);
            cells.stream().filter(b -> isScratch(b.features()) && b.target().equals(c.target()) && b.perClass() == c.perClass())
                    .map(b -> b.target() + "|" + b.features() + "|" + b.pooling() + "|" + b.head() + "|" + b.perClass()).findFirst()
                    .flatMap(b -> pair(c, b, "scratch", rows, bySeed)).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Paired> pair(Cell c, String baselineKey, String baseline, List<ImportedBackboneExperiment.Row> rows,
                                         Map<String, ImportedBackboneExperiment.Row> bySeed) {
        String cellKey = c.target() + "|" + c.features() + "|" + c.pooling() + "|" + c.head() + "|" + c.perClass();
        List<Double> diffs = new ArrayList<>();
        rows.stream().filter(r -> key(r).equals(cellKey)).forEach(r -> {
            ImportedBackboneExperiment.Row b = bySeed.get(baselineKey + "|" + r.seed());
            if (b != null) {
                diffs.add(r.accuracy() - b.accuracy());
            }
        });
        if (diffs.isEmpty()) {
            return Optional.empty();
        }
        double[] m = ExperimentReport.meanCi(diffs.stream().mapToDouble(Double::doubleValue).toArray());
        return Optional.of(new Paired(c, baseline, diffs.size(), m[0], m[1]));
    }

    public static String markdown(List<ImportedBackboneExperiment.Row> rows, String command, String machine, double seconds) {
        List<Cell> cells = cells(rows);
        var sb = new StringBuilder();
        sb.append("Command: `").append(command).append("`  \n");
        sb.append("Machine: ").append(machine).append("; ")
                .append(seconds < 0 ? "joined from the runs' logs (wall times there)" : String.format(Locale.ROOT, "total wall time %.0f s", seconds))
                .append("\n\n| target | labels/class | features | pooling | head | accuracy (mean ± 95% CI) | seeds | train time incl. selection (s) |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %d | %.2f |%n", c.target(), n(c.perClass()), c.features(), c.pooling(),
                    c.head(), c.seeds() < 2 ? String.format(Locale.ROOT, "%.1f (one seed)", 100 * c.mean())
                            : String.format(Locale.ROOT, "%.1f ± %.1f", 100 * c.mean(), 100 * c.ci95()), c.seeds(), c.seconds()));
        }
        List<Paired> paired = paired(rows, cells);
        sb.append("\nPaired differences in points (same seed = same labelled images and validation set), mean ± 95% CI (pairs):\n\n")
                .append("| target | labels/class | features | pooling | head | vs random weights | vs scratch |\n|---|---|---|---|---|---|---|\n");
        Map<Cell, List<Paired>> byCell = paired.stream().collect(Collectors.groupingBy(Paired::arm, LinkedHashMap::new, Collectors.toList()));
        byCell.forEach((c, ps) -> sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", c.target(), n(c.perClass()),
                c.features(), c.pooling(), c.head(), points(ps, "random weights"), points(ps, "scratch"))));
        sb.append("\nTarget: ImageNet weights >= 5 points above the same architecture with random weights at 5 labels/class, same cut and pooling:\n\n");
        paired.stream().filter(p -> p.baseline().equals("random weights") && p.arm().perClass() == 5).forEach(p -> sb.append(String.format(Locale.ROOT,
                "- %s, %s, pool %s, %s head: %+.1f ± %.1f points (%d pairs): **%s**%n", p.arm().target(), p.arm().features(), p.arm().pooling(),
                p.arm().head(), 100 * p.mean(), 100 * p.ci95(), p.pairs(), verdict(p))));
        return sb.toString();
    }

    /** The mean must reach the target and the interval must exclude no gain at all: a mean over a few seeds alone is no claim. */
    static String verdict(Paired p) {
        if (p.mean() < 0.05) {
            return "does not hold";
        }
        return p.pairs() >= 2 && p.mean() - p.ci95() > 0 ? "holds" : "mean reaches it, but the interval includes 0";
    }

    private static String n(int perClass) {
        return perClass == 0 ? "all" : String.valueOf(perClass);
    }

    private static String points(List<Paired> ps, String baseline) {
        return ps.stream().filter(p -> p.baseline().equals(baseline)).findFirst()
                .map(p -> p.pairs() < 2 ? String.format(Locale.ROOT, "%+.1f (one seed)", 100 * p.mean())
                        : String.format(Locale.ROOT, "%+.1f ± %.1f (%d)", 100 * p.mean(), 100 * p.ci95(), p.pairs())).orElse("");
    }

    /** The markdown plus one plot per target and head beside {@code out}; returns the markdown written. */
    public static String write(List<ImportedBackboneExperiment.Row> rows, List<String> targets, String command, String machine, double seconds,
                               int allPerClass, Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String stem = out.getFileName().toString().replace(".md", "");
        var md = new StringBuilder("# Transfer from an ImageNet network (imported backbones)\n\n").append(markdown(rows, command, machine, seconds)).append('\n');
        List<Cell> cells = cells(rows);
        for (String t : targets) {
            for (String head : List.of("softmax", "prototype")) {
                Path png = dir.resolve(stem + "-" + head + "-" + t.replaceAll("[^A-Za-z0-9]+", "_") + ".png");
                plot(cells, t, head, allPerClass, png);
                md.append("![").append(t).append(", ").append(head).append("](").append(png.getFileName()).append(")\n");
            }
        }
        Files.writeString(out, md);
        return md.toString();
    }

    /** Accuracy against labels per class for one target and one head, one line per features/pooling, scratch included. */
    public static void plot(List<Cell> cells, String target, String head, int allPerClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Accuracy vs labels per class (" + target + ", " + head + " head)")
                .xAxisTitle("labelled images per class" + (cells.stream().anyMatch(c -> c.perClass() == 0) ? " (all = " + allPerClass + ")" : "")).yAxisTitle("holdout accuracy (%)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        Map<String, List<Cell>> series = cells.stream().filter(c -> c.target().equals(target) && (c.head().equals(head) || c.pooling().equals("-")))
                .collect(Collectors.groupingBy(Cell::series, LinkedHashMap::new, Collectors.toList()));
        series.forEach((name, cs) -> {
            double[] x = cs.stream().mapToDouble(c -> c.perClass() == 0 ? allPerClass : c.perClass()).toArray();
            double[] y = cs.stream().mapToDouble(c -> 100 * c.mean()).toArray();
            double[] e = cs.stream().mapToDouble(c -> 100 * c.ci95()).toArray();
            XYSeries s = chart.addSeries(name, x, y, e);
            s.setMarker(SeriesMarkers.CIRCLE);
        });
        ExperimentReport.save(chart, png);
    }
}
