package dev.streamclassify.trainer.experiment;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The table, the ImageNet-vs-random verdict and the plots of an {@link ImportedBackboneExperiment}. */
public final class ImportedBackboneReport {

    /** Mean and 95% CI of one (target, features, pooling, head, budget) over seeds. */
    public record Cell(String target, String features, String pooling, String head, int perClass, int seeds, double mean,
                       double ci95, double seconds) {
        String series() {
            return features + (pooling.equals("-") ? "" : ", pool " + pooling) + ", " + head;
        }
    }

    private ImportedBackboneReport() {
    }

    public static List<Cell> cells(List<ImportedBackboneExperiment.Row> rows) {
        Map<String, List<ImportedBackboneExperiment.Row>> groups = rows.stream().collect(Collectors.groupingBy(
                r -> r.target() + "|" + r.features() + "|" + r.pooling() + "|" + r.head() + "|" + r.perClass(), LinkedHashMap::new, Collectors.toList()));
        List<Cell> cells = new ArrayList<>();
        for (List<ImportedBackboneExperiment.Row> g : groups.values()) {
            var r0 = g.get(0);
            double[] m = ExperimentReport.meanCi(g.stream().mapToDouble(ImportedBackboneExperiment.Row::accuracy).toArray());
            double secs = g.stream().mapToDouble(ImportedBackboneExperiment.Row::trainSeconds).average().orElse(0);
            cells.add(new Cell(r0.target(), r0.features(), r0.pooling(), r0.head(), r0.perClass(), g.size(), m[0], m[1], secs));
        }
        cells.sort(Comparator.comparing(Cell::target).thenComparing(c -> c.perClass() == 0 ? Integer.MAX_VALUE : c.perClass())
                .thenComparing(Cell::features).thenComparing(Cell::pooling).thenComparing(Cell::head));
        return cells;
    }

    public static String markdown(List<Cell> cells, String command, String machine, double seconds, List<String> notes) {
        var sb = new StringBuilder();
        sb.append("Command: `").append(command).append("`  \n");
        sb.append("Machine: ").append(machine).append("; total wall time ").append(String.format("%.0f s", seconds)).append("\n\n");
        notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        sb.append("\n| target | labels/class | features | pooling | head | accuracy (mean ± 95% CI) | seeds | train time (s) |\n|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format("| %s | %s | %s | %s | %s | %.1f ± %.1f | %d | %.2f |%n", c.target(), c.perClass() == 0 ? "all" : c.perClass(),
                    c.features(), c.pooling(), c.head(), 100 * c.mean(), 100 * c.ci95(), c.seeds(), c.seconds()));
        }
        sb.append("\nImageNet weights vs the same architecture with random weights, same cut, pooling and head, at 5 labels/class (target >= +5 points):\n\n");
        for (Cell random : cells) {
            int at = random.features().indexOf("/random:");
            if (at < 0 || random.perClass() != 5) {
                continue;
            }
            String imagenet = random.features().substring(0, at);
            Optional<Cell> match = cells.stream().filter(c -> c.features().equals(imagenet) && c.target().equals(random.target())
                    && c.pooling().equals(random.pooling()) && c.head().equals(random.head()) && c.perClass() == 5).findFirst();
            match.ifPresent(m -> {
                double gap = 100 * (m.mean() - random.mean());
                sb.append(String.format("- %s, %s, pool %s, %s: %.1f vs %.1f = %+.1f points: **%s**%n", m.target(), imagenet, m.pooling(),
                        m.head(), 100 * m.mean(), 100 * random.mean(), gap, gap >= 5 ? "holds" : "does not hold"));
            });
        }
        return sb.toString();
    }

    /** Accuracy against labels per class for one target and one head, one line per features/pooling, scratch included. */
    public static void plot(List<Cell> cells, String target, String head, int allPerClass, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Accuracy vs labels per class (" + target + ", " + head + " head)")
                .xAxisTitle("labelled images per class").yAxisTitle("holdout accuracy (%)").build();
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
