package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.streams.wire.ModelQuality;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * Decides promotions for the models whose quality records reach it. Its input is keyed by model name, so every
 * figure of one model meets in one task, on one instance: one decision, however many instances run. The evidence and
 * the last proposal are kept in a changelogged store, so a restart or a moved task decides as before.
 */
final class PromotionJudge implements Processor<String, ModelQuality, String, Promotion> {

    static final String STORE = "promotion-evidence";
    static final String PROMOTIONS = "classify.promotions";

    private static final Logger LOG = LoggerFactory.getLogger(PromotionJudge.class);

    private final PromotionSettings settings;
    private final Supplier<Roles> roles;
    private final MeterRegistry registry;
    private final Clock clock;
    private ProcessorContext<String, Promotion> context;
    private KeyValueStore<String, ModelEvidence> store;

    PromotionJudge(PromotionSettings settings, Supplier<Roles> roles, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.roles = roles;
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Promotion> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, ModelQuality> record) {
        ModelQuality q = record.value();
        if (q == null || !settings.model().equals(q.model())) {
            return;
        }
        ModelEvidence before = store.get(q.model());
        ModelEvidence evidence = (before == null ? ModelEvidence.EMPTY : before).with(q.version(), Evidence.of(q));
        Roles now = roles.get();
        var promotion = Promotion.decide(evidence, now, settings, clock.instant());
        if (promotion.isPresent()) {
            Promotion p = promotion.get();
            evidence = evidence.proposing(p.from(), p.to());
            LOG.info("Proposing {} ({})", p.requestId(), p.reason());
            registry.counter(PROMOTIONS, "model", p.model(), "version", Long.toString(p.to())).increment();
            context.forward(record.withKey(p.requestId()).withValue(p));
        }
        store.put(q.model(), evidence);
    }
}
