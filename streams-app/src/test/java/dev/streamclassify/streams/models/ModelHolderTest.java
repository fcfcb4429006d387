package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelHolderTest {

    static final List<String> LABELS = List.of("a", "b", "c");
    static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(3);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    static Classifier classifier(long version) throws Exception {
        ModelVersion mv = TestModels.version(backbone, "default", version, LABELS, version);
        return Classifier.load(mv, backbone);
    }

    static INDArray oneImage() {
        return Batch.of(TestModels.MNIST_SPEC, List.of(new float[TestModels.MNIST_SPEC.valuesPerImage()]));
    }

    @Test
    void hasNothingToLeaseBeforeTheFirstSwap() {
        try (ModelHolder holder = new ModelHolder()) {
            assertThat(holder.acquire()).isEmpty();
            assertThat(holder.current()).isEmpty();
        }
    }

    @Test
    void keepsAReplacedModelOpenUntilItsLastLeaseIsReleasedThenClosesIt() throws Exception {
        try (ModelHolder holder = new ModelHolder()) {
            Classifier v1 = classifier(1);
            holder.swap(v1);
            ModelLease lease = holder.acquire().orElseThrow();

            Optional<ActiveModel> replaced = holder.swap(classifier(2));

            assertThat(replaced).map(ActiveModel::version).contains(1L);
            assertThat(holder.current()).map(ActiveModel::version).contains(2L);
            try (INDArray image = oneImage()) {
                assertThat(lease.classifier().classify(image, 2)).hasSize(1);
                lease.close();
                assertThatThrownBy(() -> v1.classify(image, 2)).hasMessageContaining("closed");
            }
            lease.close();
            try (ModelLease next = holder.acquire().orElseThrow()) {
                assertThat(next.model().version()).isEqualTo(2);
            }
        }
    }

    @Test
    void closingTheHolderClosesTheServingModelAndRefusesLaterSwaps() throws Exception {
        ModelHolder holder = new ModelHolder();
        Classifier v1 = classifier(1);
        holder.swap(v1);
        holder.close();

        assertThat(holder.acquire()).isEmpty();
        try (INDArray image = oneImage()) {
            assertThatThrownBy(() -> v1.classify(image, 1)).hasMessageContaining("closed");
            Classifier late = classifier(2);
            assertThatThrownBy(() -> holder.swap(late)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> late.classify(image, 1)).hasMessageContaining("closed");
        }
    }

    @Test
    void wakesUpThoseAwaitingAModelWhenOneArrives() throws Exception {
        try (ModelHolder holder = new ModelHolder()) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Optional<ActiveModel>> awaited = pool.submit(() -> holder.awaitModel(Duration.ofSeconds(30)));
                holder.swap(classifier(5));
                assertThat(awaited.get(30, TimeUnit.SECONDS)).map(ActiveModel::version).contains(5L);
            } finally {
                pool.shutdownNow();
            }
            assertThat(holder.awaitModel(Duration.ZERO)).isPresent();
        }
    }

    @Test
    void neverClosesAModelUnderALeaseWhileSwapsRace() throws Exception {
        try (ModelHolder holder = new ModelHolder()) {
            holder.swap(classifier(1));
            AtomicBoolean swapping = new AtomicBoolean(true);
            AtomicLong classified = new AtomicLong();
            ExecutorService users = Executors.newFixedThreadPool(2);
            List<Future<?>> running = new ArrayList<>();
            try (INDArray image = oneImage()) {
                for (int t = 0; t < 2; t++) {
                    running.add(users.submit(() -> {
                        while (swapping.get()) {
                            try (ModelLease lease = holder.acquire().orElseThrow()) {
                                lease.classifier().classify(image, 1);
                                classified.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (long v = 2; v <= 10; v++) {
                    holder.swap(classifier(v));
                }
                swapping.set(false);
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                users.shutdownNow();
            }
            assertThat(classified.get()).isPositive();
            assertThat(holder.current()).map(ActiveModel::version).contains(10L);
        }
    }
}
