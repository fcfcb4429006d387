package dev.streamclassify.streams.wire;

import dev.streamclassify.model.image.ImageRejectedException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterReasonTest {

    @Test
    void everyDecoderRefusalKeepsItsCodeOnTheDeadLetterTopic() {
        for (ImageRejectedException.Reason r : ImageRejectedException.Reason.values()) {
            assertThat(DeadLetterReason.of(r).code()).isEqualTo(r.code());
        }
    }

    @Test
    void codesAreDistinct() {
        assertThat(Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::code)).doesNotHaveDuplicates();
    }
}
