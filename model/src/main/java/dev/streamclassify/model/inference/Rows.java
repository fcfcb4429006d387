package dev.streamclassify.model.inference;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A 2-D array's rows as Java floats in one bulk copy. nd4j's {@code toFloatMatrix()} reads element by element: 1.8 ms
 * for a 32 x 5 head output here, as much as a third of the default backbone's pass, which made every extra (shadow or
 * canary) head cost ~30% of throughput.
 */
public final class Rows {

    private Rows() {
    }

    public static float[][] of(INDArray matrix) {
        int cols = Math.toIntExact(requireMatrix(matrix).size(1));
        float[] flat = flat(matrix);
        float[][] out = new float[Math.toIntExact(matrix.size(0))][];
        for (int r = 0; r < out.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }

    /** A matrix's values row after row, in one bulk copy. */
    public static float[] flat(INDArray matrix) {
        requireMatrix(matrix);
        boolean whole = matrix.ordering() == 'c' && !matrix.isView() && matrix.offset() == 0 && matrix.data().length() == matrix.length();
        INDArray c = whole ? matrix : matrix.dup('c');
        try {
            return c.data().asFloat();
        } finally {
            if (c != matrix) {
                c.close();
            }
        }
    }

    private static INDArray requireMatrix(INDArray matrix) {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape " + java.util.Arrays.toString(matrix.shape()));
        }
        return matrix;
    }
}
