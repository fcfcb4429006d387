package dev.streamclassify.trainer.training;

/**
 * Nearest class mean on L2-normalised features (cosine similarity to each class's normalised mean feature): no
 * training, no hyper-parameter, so at a few labels per class it shows what the features alone separate, without
 * the softmax head's regularisation choice in the way.
 */
public record PrototypeHead(float[][] prototypes) {

    public static PrototypeHead fit(float[][] x, int[] y, int classes) {
        int f = x[0].length;
        double[][] sum = new double[classes][f];
        for (int i = 0; i < x.length; i++) {
            float[] row = x[i];
            double norm = norm(row);
            for (int j = 0; j < f; j++) {
                sum[y[i]][j] += row[j] / norm;
            }
        }
        float[][] prototypes = new float[classes][f];
        for (int c = 0; c < classes; c++) {
            double norm = 0;
            for (double v : sum[c]) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < f; j++) {
                prototypes[c][j] = (float) (norm == 0 ? 0 : sum[c][j] / norm);
            }
        }
        return new PrototypeHead(prototypes);
    }

    /** The class whose prototype has the largest cosine similarity (the first on ties). */
    public int predict(float[] row) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < prototypes.length; c++) {
            double dot = 0;
            for (int j = 0; j < row.length; j++) {
                dot += row[j] * prototypes[c][j];
            }
            if (dot > bestScore) {
                bestScore = dot;
                best = c;
            }
        }
        return best;
    }

    public double accuracy(float[][] x, int[] y) {
        int right = 0;
        for (int i = 0; i < x.length; i++) {
            if (predict(x[i]) == y[i]) {
                right++;
            }
        }
        return (double) right / x.length;
    }

    private static double norm(float[] row) {
        double s = 0;
        for (float v : row) {
            s += v * v;
        }
        return s == 0 ? 1 : Math.sqrt(s);
    }
}
