package dev.streamclassify.streams.inference;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.internal.OpsForwardPass;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InferenceLanesTest {

    static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(1);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @Test
    void runsEachLanesPassesOnItsOwnLongLivedThreadInSubmissionOrder() throws Exception {
        try (InferenceLanes lanes = InferenceLanes.start(2)) {
            InferenceLanes.Lane first = lanes.lane();
            InferenceLanes.Lane second = lanes.lane();
            CountDownLatch gate = new CountDownLatch(1);
            first.submit(() -> gate.await(1, TimeUnit.MINUTES));
            CompletableFuture<String> queued = first.submit(() -> Thread.currentThread().getName());
            CompletableFuture<String> other = second.submit(() -> Thread.currentThread().getName());

            assertThat(other.get(30, TimeUnit.SECONDS)).as("a busy lane does not hold up the other").isEqualTo("inference-1");
            assertThat(queued).isNotDone();
            gate.countDown();
            assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("inference-0");
            assertThat(first.submit(() -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS))
                    .as("the same thread every time").isEqualTo("inference-0");
        }
    }

    @Test
    void aFailingPassCompletesItsFutureExceptionallyAndTheLaneGoesOn() throws Exception {
        try (InferenceLanes lanes = InferenceLanes.start(1)) {
            InferenceLanes.Lane lane = lanes.lane();
            CompletableFuture<Object> failed = lane.submit(() -> {
                throw new IllegalStateException("poisoned pass");
            });

            assertThatThrownBy(failed::join).hasRootCauseMessage("poisoned pass");
            assertThat(lane.submit(() -> 42).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void inlineLanesRunThePassOnTheCallerAndAreDoneAtOnce() {
        InferenceLanes lanes = InferenceLanes.inline();
        CompletableFuture<String> pass = lanes.lane().submit(() -> Thread.currentThread().getName());

        assertThat(pass).isCompletedWithValue(Thread.currentThread().getName());
        assertThat(lanes.size()).isZero();
    }

    @Test
    void warmsAModelUpOnEveryLaneBeforeReturning() throws Exception {
        try (InferenceLanes lanes = InferenceLanes.start(2);
             Classifier classifier = Classifier.load(TestModels.version(backbone, "default", 1, List.of("a", "b"), 1), backbone)) {
            assertThat(backbone.inference().path()).isEqualTo("nd4j-ops");
            assertThat(passRanOn(lanes.lane())).as("a fresh lane has not run a pass").isFalse();

            lanes.warmUp(classifier, 4, 2);

            assertThat(passRanOn(lanes.lane())).isTrue();
            assertThat(passRanOn(lanes.lane())).isTrue();
        }
    }

    /** Whether the lane's thread has run a backbone pass: the nd4j-ops pass keeps its intermediates in a per-thread workspace. */
    private static boolean passRanOn(InferenceLanes.Lane lane) throws Exception {
        return lane.submit(() -> Nd4j.getWorkspaceManager().checkIfWorkspaceExists(OpsForwardPass.WORKSPACE_ID)).get(30, TimeUnit.SECONDS);
    }
}
