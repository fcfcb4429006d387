package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.Selection;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation accuracy against minibatch updates for every arm of one split and budget: the evidence that every
 * method, scratch included, was trained to convergence and stopped by the same rule (issue 7's protocol). One chart
 * per split, budget and backbone (scratch on each), each arm drawn from the lowest seed that has a curve. Stateless.
 */
public final class LearningCurves {

    private LearningCurves() {
    }

    /** Backbones (in order) that have a curve for {@code split} at {@code perClass}; scratch is drawn on each of their charts. */
    public static List<String> backbones(List<Trial> trials, String split, int perClass) {
        return trials.stream().filter(t -> t.split().equals(split) && t.perClass() == perClass && !t.arm().scratch() && !t.curve().isEmpty())
                .map(t -> t.arm().backbone()).distinct().sorted().toList();
    }

    /** Writes the chart of {@code backbone}'s arms and scratch; false (nothing written) when no arm has a curve. */
    public static boolean plot(List<Trial> trials, String split, int perClass, String backbone, Path png) throws IOException {
        Map<Arm, Trial> first = new LinkedHashMap<>();
        trials.stream()
                .filter(t -> t.split().equals(split) && t.perClass() == perClass && !t.curve().isEmpty()
                        && (t.arm().scratch() || t.arm().backbone().equals(backbone)))
                .sorted(Comparator.comparing(Trial::arm).thenComparingLong(Trial::seed))
                .forEach(t -> first.putIfAbsent(t.arm(), t));
        if (first.isEmpty()) {
            return false;
        }
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title(String.format("Validation accuracy vs updates (%s, %s labels/class, %s)", split, perClass == 0 ? "all" : perClass,
                        shortName(backbone)))
                .xAxisTitle("minibatch updates").yAxisTitle("validation accuracy").build();
        chart.getStyler().setXAxisLogarithmic(true);
        for (Trial t : first.values()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Selection.Checkpoint c : t.curve()) {
                x.add((double) Math.max(1, c.updates()));
                y.add(c.validationAccuracy());
            }
            chart.addSeries(shortName(t.arm().label()) + " (seed " + t.seed() + ")", x, y).setMarker(SeriesMarkers.NONE);
        }
        ExperimentReport.save(chart, png);
        return true;
    }

    /** Backbone specs are long URLs; the legend keeps the part before any '?' and after the last '/'. */
    public static String shortName(String s) {
        int q = s.indexOf('?');
        int end = q < 0 ? s.length() : s.indexOf(' ', q) < 0 ? s.length() : s.indexOf(' ', q);
        String spec = s.substring(0, q < 0 ? s.length() : q);
        return spec.substring(spec.lastIndexOf('/') + 1) + s.substring(end);
    }
}
