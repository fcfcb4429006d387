package dev.streamclassify.streams.quality.promotion;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A decision to activate {@code to} in place of {@code from}, with the evidence it rests on. It travels as an ordinary
 * {@code activate} command (so the trainer validates it like any other) and as a status event saying why, both under
 * {@link #requestId()}, which is derived from the evidence: a replay after a crash proposes the same request, which the
 * trainer runs once.
 */
public record Promotion(String requestId, String model, long from, long to, Evidence fromEvidence, Evidence toEvidence,
                        double minMargin, int minLabelled, Instant at) {

    public Promotion {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(fromEvidence, "fromEvidence");
        Objects.requireNonNull(toEvidence, "toEvidence");
        Objects.requireNonNull(at, "at");
    }

    /**
     * The best candidate that beats the active version by the margin, both over enough labelled images; empty if none
     * does or if this pair was already proposed.
     */
    public static Optional<Promotion> decide(ModelEvidence evidence, Roles roles, PromotionSettings settings, Instant now) {
        Evidence active = evidence.versions().get(roles.active());
        if (roles.active() == 0 || active == null || active.labelled() < settings.minLabelled()) {
            return Optional.empty();
        }
        Promotion best = null;
        for (long candidate : roles.candidates()) {
            Evidence e = evidence.versions().get(candidate);
            // a tiny epsilon so that a margin met exactly in decimal is not lost to binary rounding
            boolean beats = e != null && e.labelled() >= settings.minLabelled()
                    && e.accuracy() - active.accuracy() >= settings.minMargin() - 1e-12;
            if (beats && !evidence.hasProposed(roles.active(), candidate)
                    && (best == null || e.accuracy() > best.toEvidence().accuracy())) {
                String id = "auto-promote-" + settings.model() + "-v" + candidate + "-over-v" + roles.active() + "-"
                        + e.updatedAt().toEpochMilli();
                best = new Promotion(id, settings.model(), roles.active(), candidate, active, e, settings.minMargin(),
                        settings.minLabelled(), now);
            }
        }
        return Optional.ofNullable(best);
    }

    /** Why, in words, for the status event and the log. */
    public String reason() {
        return String.format(Locale.ROOT, "automatic promotion by streams-app: %s:v%d live accuracy %.4f over %d labelled images "
                        + "beats active v%d's %.4f over %d by %.4f (needed: margin %.4f, at least %d labelled images each)",
                model, to, toEvidence.accuracy(), toEvidence.labelled(), from, fromEvidence.accuracy(), fromEvidence.labelled(),
                toEvidence.accuracy() - fromEvidence.accuracy(), minMargin, minLabelled);
    }

    /** The control-topic value: exactly the command an operator would send. */
    public byte[] command() {
        ObjectNode c = Json.MAPPER.createObjectNode().put("command", "activate").put("model", model).put("version", to);
        return json(c);
    }

    /**
     * The status event, in the trainer's format (state {@code accepted}: the trainer's own events for the same request
     * follow, ending in {@code succeeded} or {@code rejected}); {@code metrics} carries the evidence.
     */
    public byte[] statusEvent() {
        ObjectNode e = Json.MAPPER.createObjectNode()
                .put("requestId", requestId).put("state", "accepted").put("command", "activate").put("model", model)
                .put("progress", 0.0).putNull("epoch").put("message", reason()).put("modelVersion", to);
        ObjectNode m = e.putObject("metrics");
        m.put("fromVersion", from).put("fromLiveAccuracy", fromEvidence.accuracy()).put("fromLabelled", fromEvidence.labelled())
                .put("toVersion", to).put("toLiveAccuracy", toEvidence.accuracy()).put("toLabelled", toEvidence.labelled())
                .put("minMargin", minMargin).put("minLabelled", minLabelled);
        e.put("timestamp", at.toString());
        return json(e);
    }

    private static byte[] json(ObjectNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
