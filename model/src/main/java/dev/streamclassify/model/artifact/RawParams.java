package dev.streamclassify.model.artifact;

import dev.streamclassify.model.artifact.ArtifactException.Reason;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Network parameters as raw little-endian float32, the only weight encoding an artifact carries. There is no header,
 * type name or shape in the bytes, so there is nothing to deserialize: the reader knows how many values to expect from
 * configuration it already checked, and refuses any other length before allocating native memory.
 */
public final class RawParams {

    private RawParams() {
    }

    /** The flattened parameters of a network or layer ({@code params()}), in DL4J's own order. */
    public static byte[] of(INDArray params) {
        float[] values = params.castTo(DataType.FLOAT).ravel().toFloatVector();
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }

    /**
     * Parses exactly {@code expected} finite values into a {@code [1, expected]} float array ready for {@code setParams}.
     * {@code what} names the network part in refusals.
     */
    public static INDArray read(byte[] bytes, long expected, String what) throws ArtifactException {
        if (bytes.length % Float.BYTES != 0) {
            throw new ArtifactException(Reason.CORRUPT, what + " parameters are " + bytes.length + " bytes, not a whole number of float32 values");
        }
        long count = bytes.length / Float.BYTES;
        if (count != expected) {
            throw new ArtifactException(Reason.SHAPE_MISMATCH, what + " has " + count + " parameters, expected " + expected);
        }
        float[] values = new float[(int) count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new ArtifactException(Reason.NON_FINITE_WEIGHTS, what + " has NaN or infinite weights");
            }
        }
        return Nd4j.create(values, new long[]{1, count}, DataType.FLOAT);
    }
}
