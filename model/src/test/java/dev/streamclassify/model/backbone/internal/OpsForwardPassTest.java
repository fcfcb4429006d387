package dev.streamclassify.model.backbone.internal;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-pass substitution of ReLU6 keeps DL4J's values, and leaves every other rectifier alone. */
class OpsForwardPassTest {

    @Test
    void reluCappedAtSixRunsAsOneRelu6PassWithTheSameValues() {
        ActivationReLU capped = new ActivationReLU(6.0, null, null);
        IActivation fast = OpsForwardPass.onePass(capped);
        assertThat(fast).isInstanceOf(ActivationReLU6.class);
        float[] values = {-3f, -0.5f, 0f, 0.25f, 5.99f, 6f, 7.5f, 1e6f};
        var expected = capped.getActivation(Nd4j.createFromArray(values), false);
        var actual = fast.getActivation(Nd4j.createFromArray(values), false);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void rectifiersWithAThresholdASlopeOrAnotherCapKeepDl4jsImplementation() {
        for (ActivationReLU other : new ActivationReLU[]{new ActivationReLU(6.0, 1.0, null), new ActivationReLU(6.0, null, 0.1),
                new ActivationReLU(5.0, null, null), new ActivationReLU()}) {
            assertThat(OpsForwardPass.onePass(other)).as("%s", other).isSameAs(other);
        }
    }
}
