package dev.streamclassify.streams.topology;

import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.streams.batching.MicroBatchProcessor;
import dev.streamclassify.streams.config.StreamsAppConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the service's topics that do not exist yet (setting {@code topics.create}); existing topics are left as
 * they are. Image-carrying topics admit the largest allowed image; the models topic is compacted, so every version
 * stays available for rollback, and has one partition, so an activation is never read before its version.
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    public static List<NewTopic> required(StreamsAppConfig config) {
        Optional<Short> rf = config.replicationFactor();
        Optional<Integer> partitions = Optional.of(config.topicPartitions());
        Map<String, String> imageSized = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(config.maxRecordBytes()));
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(config.imagesTopic(), partitions, rf).configs(imageSized));
        topics.add(new NewTopic(config.predictionsTopic(), partitions, rf).configs(Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(PredictionEvent.MAX_BYTES))));
        topics.add(new NewTopic(config.dlqTopic(), partitions, rf).configs(imageSized));
        topics.add(new NewTopic(config.shadowPredictionsTopic(), partitions, rf));
        topics.add(new NewTopic(config.labelsTopic(), partitions, rf));
        // latest figures per version are what matters: compaction keeps one record per model:vN
        topics.add(new NewTopic(config.modelQualityTopic(), partitions, rf).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        topics.add(new NewTopic(config.modelsTopic(), Optional.of(1), rf).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(ModelsTopic.MAX_RECORD_BYTES))));
        return topics;
    }

    /** The buffer store's changelog, created by Kafka Streams with the image limit of its first start. */
    public static String bufferChangelog(StreamsAppConfig config) {
        return config.applicationId() + "-" + MicroBatchProcessor.BUFFER_STORE + "-changelog";
    }

    /**
     * Raises the buffer changelog's {@code max.message.bytes} to what the current {@code image.max.bytes} needs. Kafka
     * Streams sets it only when it creates the topic, so after image.max.bytes grew, buffering a large image would fail
     * its changelog write. A changelog that does not exist yet is left to Kafka Streams (created with the right size).
     *
     * @return true if the setting was changed
     */
    public static boolean alignBufferChangelog(Map<String, Object> adminProperties, StreamsAppConfig config, Duration timeout) {
        String topic = bufferChangelog(config);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        String wanted = Integer.toString(config.maxRecordBytes());
        try (Admin admin = Admin.create(adminProperties)) {
            if (!admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
                return false;
            }
            var current = admin.describeConfigs(List.of(resource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            if (current != null && Long.parseLong(current.value()) >= config.maxRecordBytes()) {
                return false;
            }
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, wanted), AlterConfigOp.OpType.SET))))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Raised max.message.bytes of {} from {} to {} for image.max.bytes={}", topic,
                    current == null ? "?" : current.value(), wanted, config.imageMaxBytes());
            return true;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot check or raise max.message.bytes of " + topic + " (needs DescribeConfigs "
                    + "and AlterConfigs on it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted checking " + topic, e);
        }
    }

    /** @return the names of the topics this call created */
    public static List<String> createMissing(Map<String, Object> adminProperties, List<NewTopic> topics, Duration timeout) {
        List<String> created = new ArrayList<>();
        try (Admin admin = Admin.create(adminProperties)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (var e : admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                } catch (TimeoutException ex) {
                    throw new IllegalStateException("timed out after " + timeout + " creating topic " + e.getKey(), ex);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted creating topics", ex);
                }
            }
        }
        if (!created.isEmpty()) {
            LOG.info("Created topics {}", created);
        }
        return created;
    }
}
