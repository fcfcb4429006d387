package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.ModelQuality;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Keeps each version's sliding window of labelled predictions in a changelogged store (all judgements of a version
 * meet in one task: they are keyed by version) and publishes its {@link ModelQuality} at most every emit interval,
 * for versions whose window changed. One instance per task.
 */
final class QualityWindows implements Processor<String, Judged, String, ModelQuality> {

    static final String STORE = "quality-windows";

    private final QualitySettings settings;
    private final QualityMetrics metrics;
    private final Clock clock;
    private final Set<String> changed = new LinkedHashSet<>();
    private ProcessorContext<String, ModelQuality> context;
    private KeyValueStore<String, VersionWindow> windows;

    QualityWindows(QualitySettings settings, QualityMetrics metrics, Clock clock) {
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, ModelQuality> context) {
        this.context = context;
        this.windows = context.getStateStore(STORE);
        context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::emit);
    }

    @Override
    public void process(Record<String, Judged> record) {
        Judged j = record.value();
        if (j == null) {
            return;
        }
        String key = Judged.key(j.model(), j.version());
        VersionWindow w = windows.get(key);
        windows.put(key, (w == null ? VersionWindow.empty(j.model(), j.version()) : w)
                .plus(new ModelQuality.LabelledPair(j.predicted(), j.actual()), settings.windowSize()));
        changed.add(key);
    }

    private void emit(long wallClockMs) {
        for (String key : changed) {
            VersionWindow w = windows.get(key);
            if (w == null) {
                continue;
            }
            ModelQuality q = ModelQuality.of(w.model(), w.version(), w.pairs(), settings.windowSize(), w.labelledSinceStart(), clock.instant());
            metrics.quality(q);
            context.forward(new Record<>(key, q, wallClockMs));
        }
        changed.clear();
    }
}
