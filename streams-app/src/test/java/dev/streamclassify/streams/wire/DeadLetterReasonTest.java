package dev.streamclassify.streams.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.model.testing.WireSchemas;
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

    @Test
    void theDeadLetterSchemaListsExactlyTheseCodes() throws Exception {
        JsonNode schema = Json.MAPPER.readTree(WireSchemas.DEAD_LETTER_HEADERS.file().toFile());
        JsonNode codes = schema.path("properties").path(DeadLetters.REASON).path("enum");

        assertThat(codes).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::code).toList());
    }
}
