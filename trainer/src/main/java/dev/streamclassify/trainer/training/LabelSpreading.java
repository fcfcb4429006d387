package dev.streamclassify.trainer.training;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Label spreading (Zhou et al., "Learning with local and global consistency", 2004) on a k-nearest-neighbour graph.
 * Distances are taken after PCA whitening: on raw backbone features a few high-variance units dominate the
 * neighbourhoods, and the calibration in issue 7 found spreading worse than self-training there and better after
 * whitening. Stateless.
 */
final class LabelSpreading {

    private static final int ITERATIONS = 60;
    private static final int CHUNK = 512;

    private LabelSpreading() {
    }

    /**
     * @return for each pool row, a non-negative score per class (the spread label mass)
     */
    static float[][] spread(INDArray labelledX, int[] labelledY, int k, INDArray pool, int neighbours, double alpha, int pcaDims) {
        int l = labelledY.length;
        INDArray z = Nd4j.vstack(labelledX, pool).castTo(DataType.DOUBLE);
        int n = Math.toIntExact(z.size(0));
        INDArray w = whiten(z, Math.min(pcaDims, n - 1));
        int kn = Math.min(neighbours, n - 1);
        int[][] nbr = new int[n][kn];
        double[][] dist2 = new double[n][kn];
        nearestNeighbours(w, nbr, dist2);
        double sigma2 = 0;
        for (double[] d : dist2) {
            for (double v : d) {
                sigma2 += v;
            }
        }
        sigma2 = Math.max(1e-12, sigma2 / ((double) n * kn));
        // symmetric weights W + W^T as adjacency lists
        int[] degreeCount = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j : nbr[i]) {
                degreeCount[i]++;
                degreeCount[j]++;
            }
        }
        int[][] adj = new int[n][];
        double[][] wt = new double[n][];
        for (int i = 0; i < n; i++) {
            adj[i] = new int[degreeCount[i]];
            wt[i] = new double[degreeCount[i]];
        }
        int[] fill = new int[n];
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < kn; m++) {
                int j = nbr[i][m];
                double v = Math.exp(-dist2[i][m] / sigma2);
                adj[i][fill[i]] = j;
                wt[i][fill[i]++] = v;
                adj[j][fill[j]] = i;
                wt[j][fill[j]++] = v;
            }
        }
        double[] deg = new double[n];
        for (int i = 0; i < n; i++) {
            for (double v : wt[i]) {
                deg[i] += v;
            }
        }
        double[][] y0 = new double[n][k];
        for (int i = 0; i < l; i++) {
            y0[i][labelledY[i]] = 1;
        }
        double[][] f = new double[n][];
        for (int i = 0; i < n; i++) {
            f[i] = y0[i].clone();
        }
        for (int it = 0; it < ITERATIONS; it++) {
            double[][] next = new double[n][k];
            for (int i = 0; i < n; i++) {
                double[] row = next[i];
                for (int m = 0; m < adj[i].length; m++) {
                    int j = adj[i][m];
                    double s = wt[i][m] / Math.sqrt(Math.max(1e-12, deg[i] * deg[j]));
                    double[] fj = f[j];
                    for (int c = 0; c < k; c++) {
                        row[c] += s * fj[c];
                    }
                }
                for (int c = 0; c < k; c++) {
                    row[c] = alpha * row[c] + (1 - alpha) * y0[i][c];
                }
            }
            f = next;
        }
        float[][] out = new float[n - l][k];
        for (int i = l; i < n; i++) {
            for (int c = 0; c < k; c++) {
                out[i - l][c] = (float) Math.max(0, f[i][c]);
            }
        }
        return out;
    }

    /** Rows projected on the top principal components, each scaled to unit variance, then to unit length. */
    static INDArray whiten(INDArray z, int dims) {
        int n = Math.toIntExact(z.size(0));
        INDArray centred = z.subRowVector(z.mean(0));
        INDArray cov = centred.transpose().mmul(centred).divi(Math.max(1, n - 1));
        INDArray eigenvalues = Eigen.symmetricGeneralizedEigenvalues(cov, true); // ascending; cov now holds eigenvectors
        int d = Math.toIntExact(eigenvalues.length());
        double top = eigenvalues.getDouble(d - 1);
        int keep = 0;
        while (keep < Math.min(dims, d) && eigenvalues.getDouble(d - 1 - keep) > 1e-9 * Math.max(top, 1e-30)) {
            keep++;
        }
        keep = Math.max(1, keep);
        INDArray basis = cov.get(NDArrayIndex.all(), NDArrayIndex.interval(d - keep, d));
        INDArray scale = Nd4j.create(DataType.DOUBLE, 1, keep);
        for (int c = 0; c < keep; c++) {
            scale.putScalar(0, c, 1.0 / Math.sqrt(eigenvalues.getDouble(d - keep + c) + 1e-12));
        }
        INDArray projected = centred.mmul(basis).muliRowVector(scale);
        INDArray norms = projected.norm2(1).addi(1e-12).reshape(n, 1);
        return projected.diviColumnVector(norms);
    }

    /** For unit rows: the {@code nbr[i].length} nearest other rows of each row and their squared distances. */
    private static void nearestNeighbours(INDArray w, int[][] nbr, double[][] dist2) {
        int n = Math.toIntExact(w.size(0));
        int kn = nbr.length == 0 ? 0 : nbr[0].length;
        INDArray wt = w.transpose();
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            double[][] sims = w.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).mmul(wt).toDoubleMatrix();
            for (int r = 0; r < to - from; r++) {
                int i = from + r;
                double[] s = sims[r];
                int[] best = nbr[i];
                double[] bestSim = new double[kn];
                java.util.Arrays.fill(bestSim, Double.NEGATIVE_INFINITY);
                for (int j = 0; j < n; j++) {
                    if (j == i || s[j] <= bestSim[kn - 1]) {
                        continue;
                    }
                    int p = kn - 1;
                    while (p > 0 && bestSim[p - 1] < s[j]) {
                        bestSim[p] = bestSim[p - 1];
                        best[p] = best[p - 1];
                        p--;
                    }
                    bestSim[p] = s[j];
                    best[p] = j;
                }
                for (int m = 0; m < kn; m++) {
                    dist2[i][m] = Math.max(0, 2 - 2 * bestSim[m]);
                }
            }
        }
    }
}
