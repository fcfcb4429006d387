package dev.streamclassify.model.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActivationTest {

    @Test
    void roundTripsThroughJson() throws Exception {
        var a = new Activation("default", 7, "req-1", Instant.parse("2026-11-29T16:00:00.123456789Z"));

        assertThat(Activation.fromJson(a.toJson())).isEqualTo(a);
    }

    @Test
    void roundTripsWithoutARequestId() throws Exception {
        var a = new Activation("default", 1, null, Instant.parse("2026-11-29T16:00:00Z"));

        assertThat(Activation.fromJson(a.toJson())).isEqualTo(a);
    }

    @Test
    void writesTimestampsAsIsoText() {
        var a = new Activation("default", 3, "r", Instant.parse("2026-11-29T16:00:00Z"));

        assertThat(new String(a.toJson(), StandardCharsets.UTF_8)).contains("\"activatedAt\":\"2026-11-29T16:00:00Z\"");
    }

    @Test
    void toleratesUnknownFieldsFromNewerWriters() throws Exception {
        String json = "{\"model\":\"m\",\"version\":2,\"requestId\":\"r\",\"activatedAt\":\"2026-11-29T16:00:00Z\",\"by\":\"ops\"}";

        assertThat(Activation.fromJson(json.getBytes(StandardCharsets.UTF_8)).version()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "{",
            "null",
            "[]",
            "42",
            "not json",
            "{}",
            "{\"model\":\"m\",\"version\":\"two\",\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"model\":\"m\",\"version\":null,\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"model\":\"m\",\"version\":0,\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"model\":\"m\",\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"model\":\"../etc\",\"version\":1,\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"version\":1,\"activatedAt\":\"2026-11-29T16:00:00Z\"}",
            "{\"model\":\"m\",\"version\":1}",
            "{\"model\":\"m\",\"version\":1,\"activatedAt\":\"yesterday\"}"})
    void refusesMalformedRecordsWithAnIoException(String json) {
        assertThatThrownBy(() -> Activation.fromJson(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("invalid activation record");
    }

    @Test
    void refusesInvalidValuesAtConstruction() {
        Instant now = Instant.parse("2026-11-29T16:00:00Z");
        assertThatThrownBy(() -> new Activation("a/b", 1, null, now)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Activation("m", 0, null, now)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Activation("m", 1, null, null)).isInstanceOf(NullPointerException.class);
    }
}
