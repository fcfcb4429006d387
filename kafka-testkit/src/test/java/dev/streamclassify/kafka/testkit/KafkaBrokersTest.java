package dev.streamclassify.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.streamclassify.kafka.testkit.KafkaBrokers.Mode;
import org.junit.jupiter.api.Test;

class KafkaBrokersTest {

    @Test
    void autoModeFallsBackToEmbeddedWithoutDocker() {
        try (KafkaBroker broker = KafkaBrokers.start(Mode.AUTO)) {
            String expected = KafkaBrokers.dockerAvailable() ? KafkaBroker.TESTCONTAINERS : KafkaBroker.EMBEDDED_KRAFT;
            assertThat(broker.kind()).isEqualTo(expected);
        }
    }

    @Test
    void containerModeFailsLoudlyWithoutDocker() {
        assumeFalse(KafkaBrokers.dockerAvailable(), "Docker is available here");

        assertThatThrownBy(() -> KafkaBrokers.start(Mode.CONTAINER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kafka.broker=container")
                .hasMessageContaining("no Docker");
    }

    @Test
    void parsesModesIgnoringCaseAndBlanks() {
        assertThat(Mode.parse(" Embedded ")).isEqualTo(Mode.EMBEDDED);
        assertThat(Mode.parse("CONTAINER")).isEqualTo(Mode.CONTAINER);
        assertThat(Mode.parse("auto")).isEqualTo(Mode.AUTO);
    }

    @Test
    void rejectsAnUnknownModeNamingTheSetting() {
        assertThatThrownBy(() -> Mode.parse("docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.broker")
                .hasMessageContaining("docker");
    }
}
