package dev.streamclassify.trainer.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrototypeHeadTest {

    @Test
    void predictsTheClassWhoseNormalisedMeanIsClosestInAngle() {
        float[][] x = {{1, 0}, {10, 1}, {0, 1}, {1, 20}};
        int[] y = {0, 0, 1, 1};

        PrototypeHead head = PrototypeHead.fit(x, y, 2);

        // length does not matter, direction does: a long vector along class 0's direction is class 0
        assertThat(head.predict(new float[]{100, 5})).isEqualTo(0);
        assertThat(head.predict(new float[]{0.1f, 0.3f})).isEqualTo(1);
        assertThat(head.accuracy(x, y)).isEqualTo(1.0);
    }

    @Test
    void givesEachTrainingImageOneVoteWhateverItsNorm() {
        // unnormalised, the huge second image would pull class 0's mean onto the diagonal
        float[][] x = {{1, 0}, {1000, 1000}, {0, 1}};
        int[] y = {0, 0, 1};

        PrototypeHead head = PrototypeHead.fit(x, y, 2);

        assertThat(head.predict(new float[]{1, 0.3f})).isEqualTo(0);
        assertThat(head.predict(new float[]{0.3f, 1})).isEqualTo(1);
    }
}
