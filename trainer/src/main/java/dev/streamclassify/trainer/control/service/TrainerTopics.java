package dev.streamclassify.trainer.control.service;

import dev.streamclassify.model.catalog.ModelsTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the trainer's topics where missing; existing topics are left as they are. Control has one partition, so
 * commands run in the order sent even with several instances (the others stand by); the status topic is compacted,
 * so the last event of every request, its outcome, is kept as long as the topic exists, and with it the record that
 * the request ran.
 */
public final class TrainerTopics {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerTopics.class);

    private TrainerTopics() {
    }

    public static void create(Admin admin, TrainerServiceConfig config, Duration timeout) throws TimeoutException, InterruptedException {
        Optional<Short> rf = config.replicationFactor();
        List<NewTopic> topics = List.of(
                new NewTopic(config.controlTopic(), Optional.of(1), rf),
                new NewTopic(config.statusTopic(), Optional.of(1), rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(config.modelsTopic(), Optional.of(1), rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(ModelsTopic.MAX_RECORD_BYTES))),
                new NewTopic(config.trainingImagesTopic(), Optional.of(1), rf));
        for (var e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Created topic {}", e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex.getCause());
                }
            }
        }
    }
}
