package dev.streamclassify.streams.models;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutHolderTest {

    static final List<String> LABELS = List.of("a", "b");
    static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(3);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private final List<Classifier> loaded = new ArrayList<>();

    private Optional<Classifier> load(long version) {
        try {
            Classifier c = Classifier.load(TestModels.version(backbone, "default", version, LABELS, version), backbone);
            loaded.add(c);
            return Optional.of(c);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static RolloutHolder.Wanted wanted(long canary, int percent, Long... shadows) {
        return new RolloutHolder.Wanted(canary == 0 ? Optional.empty()
                : Optional.of(new Canary("default", canary, percent, "r", Instant.EPOCH)), List.of(shadows));
    }

    @Test
    void neverRunsTheActiveVersionBesideItselfAndLoadsEachVersionOnce() {
        try (RolloutHolder holder = new RolloutHolder()) {
            assertThat(holder.update(wanted(3, 20, 1L, 2L, 3L), 1, this::load)).containsExactly(3L, 2L);
            assertThat(holder.update(wanted(3, 50, 2L), 1, this::load)).containsExactly(3L, 2L);

            assertThat(loaded).extracting(c -> c.version().version()).containsExactly(3L, 2L);
        }
    }

    @Test
    void closesADroppedVersionOnceItsLastLeaseIsReleased() throws Exception {
        try (RolloutHolder holder = new RolloutHolder()) {
            holder.update(wanted(0, 0, 2L), 1, this::load);
            RolloutLease lease = holder.acquire();
            Classifier shadow = lease.shadows().get(0).classifier();

            holder.update(RolloutHolder.Wanted.NOTHING, 1, this::load);
            assertThat(holder.acquire().shadows()).isEmpty();
            shadow.probabilities(dev.streamclassify.model.inference.Batch.of(TestModels.MNIST_SPEC,
                    List.of(new float[TestModels.MNIST_SPEC.valuesPerImage()])));

            lease.close();
            assertThatThrownBy(() -> shadow.probabilities(dev.streamclassify.model.inference.Batch.of(TestModels.MNIST_SPEC,
                    List.of(new float[TestModels.MNIST_SPEC.valuesPerImage()])))).hasMessageContaining("closed");
        }
    }

    @Test
    void aVersionThatCannotLoadIsSimplyNotRun() {
        try (RolloutHolder holder = new RolloutHolder()) {
            assertThat(holder.update(wanted(4, 10, 2L), 1, v -> v == 4 ? Optional.empty() : load(v))).containsExactly(0L, 2L);
            try (RolloutLease lease = holder.acquire()) {
                assertThat(lease.canary()).isEmpty();
                assertThat(lease.canaryServes("any")).isFalse();
            }
        }
    }

    @Test
    void closingReleasesEveryVersion() {
        RolloutHolder holder = new RolloutHolder();
        holder.update(wanted(3, 100, 2L), 1, this::load);
        holder.close();

        assertThat(holder.acquire().shadows()).isEmpty();
        assertThat(holder.update(wanted(3, 100), 1, this::load)).isEmpty();
    }
}
