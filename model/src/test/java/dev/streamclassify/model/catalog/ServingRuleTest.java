package dev.streamclassify.model.catalog;

import dev.streamclassify.model.catalog.ServingRule.Decision;
import dev.streamclassify.model.catalog.ServingRule.Kind;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class ServingRuleTest {

    private static final OptionalLong NOTHING_SERVES = OptionalLong.empty();

    private static TreeSet<Long> retained(Long... versions) {
        return new TreeSet<>(Set.of(versions));
    }

    private static Optional<Activation> activation(long version) {
        return Optional.of(new Activation("default", version, "req", Instant.parse("2026-11-30T06:00:00Z")));
    }

    @Test
    void withoutAnActivationTheNewestVersionServes() {
        Decision d = ServingRule.decide(retained(1L, 3L, 2L), Set.of(), Optional.empty(), NOTHING_SERVES);

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(3), Kind.NEWEST));
    }

    @Test
    void withoutAnActivationARefusedNewestVersionIsSkipped() {
        Decision d = ServingRule.decide(retained(1L, 2L, 3L), Set.of(3L), Optional.empty(), OptionalLong.of(1));

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.NEWEST));
    }

    @Test
    void anActivatedRetainedVersionServesEvenWhenNewerOnesExist() {
        Decision d = ServingRule.decide(retained(1L, 2L, 3L), Set.of(), activation(2), OptionalLong.of(3));

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.ACTIVATED));
    }

    @Test
    void aRefusedActivatedVersionKeepsTheVersionServingNow() {
        Decision d = ServingRule.decide(retained(1L, 2L, 3L), Set.of(3L), activation(3), OptionalLong.of(1));

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(1), Kind.KEEP));
    }

    @Test
    void anActivationOfAVersionNotYetRetainedKeepsTheVersionServingNow() {
        Decision d = ServingRule.decide(retained(1L, 2L), Set.of(), activation(5), OptionalLong.of(2));

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.KEEP));
    }

    @Test
    void withNothingServingARefusedActivationFallsBackToTheNewestOtherUsableVersion() {
        Decision d = ServingRule.decide(retained(1L, 2L, 3L, 4L), Set.of(4L, 3L), activation(4), NOTHING_SERVES);

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.FALLBACK));
    }

    @Test
    void withNothingServingAnActivationOfAMissingVersionFallsBackToTheNewestRetainedVersion() {
        Decision d = ServingRule.decide(retained(1L, 2L), Set.of(), activation(9), NOTHING_SERVES);

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.FALLBACK));
    }

    @Test
    void nothingServesWhenEveryRetainedVersionIsRefused() {
        assertThat(ServingRule.decide(retained(1L, 2L), Set.of(1L, 2L), Optional.empty(), NOTHING_SERVES).kind())
                .isEqualTo(Kind.NONE);
        assertThat(ServingRule.decide(retained(1L, 2L), Set.of(1L, 2L), activation(2), NOTHING_SERVES).kind())
                .isEqualTo(Kind.NONE);
        assertThat(ServingRule.decide(retained(), Set.of(), Optional.empty(), NOTHING_SERVES).version()).isEmpty();
    }

    @Test
    void refusalsOfVersionsNoLongerRetainedChangeNothing() {
        Decision d = ServingRule.decide(retained(1L, 2L), Set.of(7L), activation(2), NOTHING_SERVES);

        assertThat(d).isEqualTo(new Decision(OptionalLong.of(2), Kind.ACTIVATED));
    }
}
