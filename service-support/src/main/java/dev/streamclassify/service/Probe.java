package dev.streamclassify.service;

import java.util.Objects;

/** The answer of a health or readiness check; {@code detail} says why, for humans and for the JSON body. */
public record Probe(boolean ok, String detail) {

    public Probe {
        Objects.requireNonNull(detail, "detail");
    }

    public static Probe up(String detail) {
        return new Probe(true, detail);
    }

    public static Probe down(String detail) {
        return new Probe(false, detail);
    }
}
