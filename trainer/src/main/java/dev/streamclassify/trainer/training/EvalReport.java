package dev.streamclassify.trainer.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Holdout evaluation: accuracy, per-class precision and recall, and the confusion matrix (rows = true class). */
public record EvalReport(List<String> labels, double accuracy, Map<String, Double> precision, Map<String, Double> recall,
                         int[][] confusion, int count) {

    public static EvalReport of(List<String> labels, int[] truth, int[] predicted) {
        int k = labels.size();
        int[][] m = new int[k][k];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            m[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        Map<String, Double> precision = new LinkedHashMap<>();
        Map<String, Double> recall = new LinkedHashMap<>();
        for (int c = 0; c < k; c++) {
            int tp = m[c][c];
            int col = 0;
            int row = 0;
            for (int j = 0; j < k; j++) {
                col += m[j][c];
                row += m[c][j];
            }
            precision.put(labels.get(c), col == 0 ? 0.0 : (double) tp / col);
            recall.put(labels.get(c), row == 0 ? 0.0 : (double) tp / row);
        }
        return new EvalReport(List.copyOf(labels), truth.length == 0 ? 0 : (double) correct / truth.length,
                Map.copyOf(precision), Map.copyOf(recall), m, truth.length);
    }

    /** A readable table for the console: per-class precision/recall and the confusion matrix. */
    public String format() {
        var sb = new StringBuilder(String.format("accuracy %.4f on %d images%n", accuracy, count));
        sb.append(String.format("%-14s %9s %7s  confusion (rows = truth)%n", "class", "precision", "recall"));
        for (int c = 0; c < labels.size(); c++) {
            String l = labels.get(c);
            sb.append(String.format("%-14s %9.3f %7.3f ", l.length() > 14 ? l.substring(0, 14) : l, precision.get(l), recall.get(l)));
            for (int v : confusion[c]) {
                sb.append(String.format(" %4d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
