package dev.streamclassify.model.inference;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RowsTest {

    @Test
    void copiesTheRowsOfContiguousTransposedAndViewMatricesLikeNd4jDoes() {
        try (INDArray m = Nd4j.rand(DataType.FLOAT, 7, 5); INDArray big = Nd4j.rand(DataType.FLOAT, 9, 6)) {
            INDArray transposed = m.transpose();
            INDArray view = big.get(NDArrayIndex.interval(2, 8), NDArrayIndex.interval(1, 4));
            for (INDArray a : new INDArray[]{m, transposed, view, m.castTo(DataType.DOUBLE)}) {
                assertThat(Rows.of(a)).isDeepEqualTo(a.toFloatMatrix());
            }
        }
    }

    @Test
    void refusesAnythingButAMatrix() {
        try (INDArray v = Nd4j.rand(DataType.FLOAT, 1, 2, 3)) {
            assertThatThrownBy(() -> Rows.of(v)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 2, 3]");
        }
    }
}
