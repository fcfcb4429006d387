package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.retrain.RetrainMetrics;
import dev.streamclassify.service.JavaCppMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The trainer's meters, named once here. Per-model gauges are registered the first time a model shows up. ND4J keeps
 * tensors off-heap, out of sight of JVM memory metrics, so JavaCPP's own accounting is exported too. Thread-safe.
 */
public final class TrainerMetrics implements RetrainMetrics {

    public static final String COMMANDS = "trainer.commands";
    public static final String TRAINING = "trainer.training";
    public static final String FEATURIZED = "trainer.featurized.images";
    public static final String CACHE_HITS = "trainer.feature.cache.hits";
    public static final String HOLDOUT_ACCURACY = "trainer.holdout.accuracy";
    public static final String ACTIVE_VERSION = "trainer.active.version";
    public static final String QUEUED = "trainer.commands.queued";
    public static final String UNLABELLED = "trainer.unlabelled.images";

    private final MeterRegistry registry;
    private final Counter featurized;
    private final Counter cacheHits;
    private final Map<String, AtomicLong> accuracyBits = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> activeVersions = new ConcurrentHashMap<>();

    public TrainerMetrics(MeterRegistry registry, Supplier<Number> queued) {
        this.registry = registry;
        this.featurized = Counter.builder(FEATURIZED).description("Images run through the backbone (feature cache misses)").register(registry);
        this.cacheHits = Counter.builder(CACHE_HITS).description("Images whose features came from the feature cache").register(registry);
        Gauge.builder(QUEUED, queued).description("Accepted commands waiting for or in the worker").register(registry);
        new JavaCppMetrics().bindTo(registry);
    }

    @Override
    public void command(String command, String outcome) {
        Counter.builder(COMMANDS).description("Control commands by outcome").tag("command", command).tag("outcome", outcome)
                .register(registry).increment();
    }

    @Override
    public void training(Duration took, String outcome) {
        Timer.builder(TRAINING).description("Retrain runs, data loading to publication").tag("outcome", outcome)
                .register(registry).record(took);
    }

    @Override
    public void featurized(int computed, int fromCache) {
        featurized.increment(computed);
        cacheHits.increment(fromCache);
    }

    @Override
    public void unlabelled(String outcome, int n) {
        Counter.builder(UNLABELLED).description("Unlabelled images read for semi-supervised retrains, by outcome")
                .tag("outcome", outcome).register(registry).increment(n);
    }

    @Override
    public void holdoutAccuracy(String model, double accuracy) {
        accuracyBits.computeIfAbsent(model, m -> {
            AtomicLong bits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
            Gauge.builder(HOLDOUT_ACCURACY, bits, b -> Double.longBitsToDouble(b.get())).tag("model", m)
                    .description("Holdout accuracy of the latest version trained").register(registry);
            return bits;
        }).set(Double.doubleToLongBits(accuracy));
    }

    public void activeVersion(String model, long version) {
        activeVersions.computeIfAbsent(model, m -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(ACTIVE_VERSION, v, AtomicLong::get).tag("model", m)
                    .description("Version serving the model according to the models topic").register(registry);
            return v;
        }).set(version);
    }
}
