package dev.streamclassify.trainer.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** Shuffled minibatches over an in-memory {@code x} (rows = examples) with one-hot labels. */
final class Minibatches {

    private Minibatches() {
    }

    static int[] shuffled(int n, Random rnd) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    static DataSet batch(INDArray x, int[] y, int numClasses, int[] order, int from, int to) {
        int[] rows = java.util.Arrays.copyOfRange(order, from, to);
        INDArray features;
        if (x.rank() == 2) {
            features = x.getRows(rows);
        } else {
            long[] shape = x.shape().clone();
            INDArray flat = x.reshape('c', shape[0], x.length() / shape[0]);
            shape[0] = rows.length;
            features = flat.getRows(rows).reshape('c', shape);
        }
        INDArray labels = Nd4j.zeros(rows.length, numClasses);
        for (int i = 0; i < rows.length; i++) {
            labels.putScalar(i, y[rows[i]], 1.0);
        }
        return new DataSet(features, labels);
    }
}
