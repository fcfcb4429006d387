package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.model.format.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.streams.internal.JsonSerde;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PromotionDecisionTest {

    static final PromotionSettings SETTINGS = new PromotionSettings("default", 0.05, 100);
    static final Instant NOW = Instant.parse("2026-11-30T05:00:00Z");

    static Evidence evidence(long correct, long labelled) {
        return new Evidence((double) correct / labelled, labelled, correct, NOW.minusSeconds(labelled));
    }

    static Optional<Promotion> decide(ModelEvidence e, long active, Long... candidates) {
        return Promotion.decide(e, new Roles(active, List.of(candidates)), SETTINGS, NOW);
    }

    @Test
    void promotesACandidateThatBeatsTheActiveVersionByTheMarginOverEnoughLabels() throws Exception {
        ModelEvidence e = ModelEvidence.EMPTY.with(1, evidence(80, 100)).with(2, evidence(85, 100));
        Promotion p = decide(e, 1, 2L).orElseThrow();
        assertThat(p.from()).isEqualTo(1);
        assertThat(p.to()).isEqualTo(2);
        assertThat(p.requestId()).startsWith("auto-promote-default-v2-over-v1-");
        JsonNode command = Json.MAPPER.readTree(p.command());
        assertThat(command.toString()).isEqualTo("{\"command\":\"activate\",\"model\":\"default\",\"version\":2}");
        JsonNode status = Json.MAPPER.readTree(p.statusEvent());
        assertThat(status.path("requestId").asText()).isEqualTo(p.requestId());
        assertThat(status.path("state").asText()).isEqualTo("accepted");
        assertThat(status.path("modelVersion").asLong()).isEqualTo(2);
        assertThat(status.path("message").asText()).contains("v2 live accuracy 0.8500 over 100", "active v1's 0.8000 over 100");
        assertThat(status.path("metrics").path("toLabelled").asLong()).isEqualTo(100);
    }

    @Test
    void doesNotPromoteBelowTheMarginOrWithTooFewLabelsOnEitherSide() {
        assertThat(decide(ModelEvidence.EMPTY.with(1, evidence(80, 100)).with(2, evidence(84, 100)), 1, 2L)).isEmpty();
        assertThat(decide(ModelEvidence.EMPTY.with(1, evidence(80, 100)).with(2, evidence(99, 99)), 1, 2L)).isEmpty();
        assertThat(decide(ModelEvidence.EMPTY.with(1, evidence(0, 99)).with(2, evidence(100, 100)), 1, 2L)).isEmpty();
        assertThat(decide(ModelEvidence.EMPTY.with(2, evidence(100, 100)), 1, 2L)).as("no figures for the active version").isEmpty();
        assertThat(decide(ModelEvidence.EMPTY.with(1, evidence(0, 100)).with(2, evidence(100, 100)), 0, 2L)).as("nothing active").isEmpty();
        assertThat(decide(ModelEvidence.EMPTY.with(1, evidence(0, 100)).with(2, evidence(100, 100)), 1)).as("no candidate").isEmpty();
    }

    @Test
    void picksTheBestCandidateAndProposesAPairOnlyOnce() {
        ModelEvidence e = ModelEvidence.EMPTY.with(1, evidence(50, 100)).with(2, evidence(70, 100)).with(3, evidence(90, 100));
        Promotion p = decide(e, 1, 2L, 3L).orElseThrow();
        assertThat(p.to()).isEqualTo(3);
        ModelEvidence after = e.proposing(1, 3).with(3, evidence(95, 100));
        assertThat(decide(after, 1, 3L)).as("already proposed: the trainer decides, an operator's rollback stands").isEmpty();
        assertThat(decide(after, 3, 1L)).as("the old version does not beat the new one").isEmpty();
    }
}
