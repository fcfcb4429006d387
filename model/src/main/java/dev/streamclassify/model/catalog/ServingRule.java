package dev.streamclassify.model.catalog;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;

/**
 * The one rule for which version of a model serves, given what the models topic holds. streams-app's watcher and the
 * trainer's catalog both call it, so the version the trainer gates promotions against is the version instances serve.
 * Pure: no I/O and no state, so every case of the rule is a unit test.
 *
 * <ul>
 *   <li>An activation whose version is retained and not refused serves that version.</li>
 *   <li>An activation that cannot serve (version missing, or refused) keeps whatever serves now; a missing version
 *       may still arrive, and a refused one must not take a working model away.</li>
 *   <li>With nothing serving, such an activation falls back to the newest other version that is not refused, so a
 *       bad activation cannot leave a restarted instance without a model.</li>
 *   <li>Without an activation, the newest version that is not refused serves.</li>
 * </ul>
 * "Refused" is whatever the caller could not serve (signature, validation, load failure); a caller that loads a
 * version, fails, and adds it to the refused set simply asks again.
 */
public final class ServingRule {

    /** Why {@link Decision#version()} serves. */
    public enum Kind {
        /** The activated version. */
        ACTIVATED,
        /** No activation: the newest usable version. */
        NEWEST,
        /** The activated version cannot serve and nothing serves: the newest other usable version. */
        FALLBACK,
        /** The activated version cannot serve (yet): the version serving now stays. */
        KEEP,
        /** Nothing can serve. */
        NONE
    }

    /** The version that should serve (empty only for {@link Kind#NONE}) and why. */
    public record Decision(OptionalLong version, Kind kind) {
        public Decision {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(kind, "kind");
            if (version.isEmpty() != (kind == Kind.NONE)) {
                throw new IllegalArgumentException(kind + " with version " + version);
            }
        }

        static Decision of(long version, Kind kind) {
            return new Decision(OptionalLong.of(version), kind);
        }

        static final Decision NONE = new Decision(OptionalLong.empty(), Kind.NONE);
    }

    private ServingRule() {
    }

    /**
     * @param retained   versions of the model the topic holds now (tombstoned ones removed)
     * @param refused    versions that cannot serve; may name versions not retained
     * @param activation the latest activation of the model, if any
     * @param serving    the version serving now, if any
     */
    public static Decision decide(SortedSet<Long> retained, Set<Long> refused, Optional<Activation> activation,
                                  OptionalLong serving) {
        Objects.requireNonNull(retained, "retained");
        Objects.requireNonNull(refused, "refused");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(serving, "serving");
        if (activation.isPresent()) {
            long wanted = activation.get().version();
            if (retained.contains(wanted) && !refused.contains(wanted)) {
                return Decision.of(wanted, Kind.ACTIVATED);
            }
            if (serving.isPresent()) {
                return Decision.of(serving.getAsLong(), Kind.KEEP);
            }
            return newestUsable(retained, refused, wanted).map(v -> Decision.of(v, Kind.FALLBACK)).orElse(Decision.NONE);
        }
        return newestUsable(retained, refused, 0).map(v -> Decision.of(v, Kind.NEWEST)).orElse(Decision.NONE);
    }

    private static Optional<Long> newestUsable(SortedSet<Long> retained, Set<Long> refused, long except) {
        Long found = null;
        for (long v : retained) {
            if (v != except && !refused.contains(v)) {
                found = v;
            }
        }
        return Optional.ofNullable(found);
    }
}
