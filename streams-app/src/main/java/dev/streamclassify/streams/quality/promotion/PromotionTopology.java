package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.internal.JsonSerde;
import dev.streamclassify.streams.models.ActiveModel;
import dev.streamclassify.streams.models.ModelHolder;
import dev.streamclassify.streams.models.RolloutHolder;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.wire.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * model-quality figures -> by model name -> the judge -> a status event saying why, then the activate command. The
 * status sink is added first, so Kafka Streams hands it each promotion before the command (and under exactly_once_v2
 * both commit in one transaction): the reason is on the status topic before the trainer can answer the command.
 */
public final class PromotionTopology {

    private PromotionTopology() {
    }

    /**
     * What the judge needs besides the figures: the roles in force, its meters and clock, and the trainer's topics it
     * writes to.
     */
    public record Setup(PromotionSettings settings, Supplier<Roles> roles, MeterRegistry registry, Clock clock,
                        Topic<String, byte[]> control, Topic<String, byte[]> status) {
    }

    /**
     * Empty unless {@value StreamsAppConfig#PROMOTION_ENABLED} is on (off by default). The roles come from this
     * instance's holders: the version it serves, and the canary and shadows it runs beside it.
     */
    public static Optional<Setup> setup(StreamsAppConfig config, ModelHolder models, RolloutHolder rollouts, MeterRegistry registry,
                                        Clock clock) {
        Supplier<Roles> roles = () -> new Roles(models.current().map(ActiveModel::version).orElse(0L), rollouts.versions());
        return PromotionSettings.from(config).map(s -> new Setup(s, roles, registry, clock,
                new Topic<>(config.controlTopic(), Serdes.String(), Serdes.ByteArray()),
                new Topic<>(config.statusTopic(), Serdes.String(), Serdes.ByteArray())));
    }

    public static void add(KStream<String, ModelQuality> qualities, Setup wiring) {
        Topic<String, byte[]> control = wiring.control();
        Topic<String, byte[]> status = wiring.status();
        KStream<String, Promotion> promotions = qualities
                // every version's figures of one model meet in one task: one decision per model
                .selectKey((key, q) -> q.model(), Named.as("quality-by-model-key"))
                .repartition(Repartitioned.with(Serdes.String(), new JsonSerde<>(ModelQuality.class)).withName("quality-by-model"))
                .process(judge(wiring), Named.as("promotion-judge"));
        promotions.mapValues(Promotion::statusEvent, Named.as("promotion-status-event"))
                .to(status.name(), status.produced());
        promotions.mapValues(Promotion::command, Named.as("promotion-activate-command"))
                .to(control.name(), control.produced());
    }

    private static ProcessorSupplier<String, ModelQuality, String, Promotion> judge(Setup w) {
        StoreBuilder<?> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PromotionJudge.STORE), Serdes.String(),
                        new JsonSerde<>(ModelEvidence.class))
                .withLoggingEnabled(Map.of());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ModelQuality, String, Promotion> get() {
                return new PromotionJudge(w.settings(), w.roles(), w.registry(), w.clock());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(store);
            }
        };
    }
}
