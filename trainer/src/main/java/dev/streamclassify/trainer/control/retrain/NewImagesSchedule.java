package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.trainer.control.intake.StatusPublisher;
import dev.streamclassify.trainer.control.intake.TopicFollower;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Sends a retrain command to the control topic each time the count of labelled images on the training-images topic
 * reaches a multiple of N. Counting from the beginning of the topic makes the trigger points, and so the request ids
 * ({@code schedule-<offset>} of the image that completed the count), the same on every instance and after a restart:
 * the commands all instances send for one trigger are one request, which runs once. Thresholds already passed when
 * the schedule starts do not fire again; the first retrain after start-up can thus come after fewer than N new
 * images. Ids are stable for a single-partition topic (the default); with several partitions instances may count in
 * different orders and a threshold can trigger two retrains. Going through the control topic puts scheduled retrains
 * in the same queue, with the same status events, as requested ones. Thread-safe; owns its follower.
 */
public final class NewImagesSchedule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NewImagesSchedule.class);

    private final int every;
    private final String model;
    private final String imagesTopic;
    private final String controlTopic;
    private final StatusPublisher producer;
    private final Map<TopicPartition, Long> startEnds;
    private final int partitions;
    private final TopicFollower follower;
    private long labelled;

    public NewImagesSchedule(int every, String model, String imagesTopic, String controlTopic, StatusPublisher producer,
                             Map<String, Object> consumerProperties, Admin admin, Duration timeout) throws TimeoutException, InterruptedException {
        this.every = every;
        this.model = model;
        this.imagesTopic = imagesTopic;
        this.controlTopic = controlTopic;
        this.producer = producer;
        this.startEnds = TopicFollower.endOffsets(admin, imagesTopic, timeout);
        this.partitions = startEnds.size();
        this.follower = new TopicFollower("trainer-schedule-" + imagesTopic, imagesTopic, consumerProperties, 8 * 1024 * 1024, this::count);
    }

    public void start() {
        follower.start();
        LOG.info("Retraining {} every {} labelled images on {}", model, every, imagesTopic);
    }

    private void count(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null || TrainingImages.label(r.headers().lastHeader(TrainingImages.LABEL_HEADER)).isEmpty()) {
            return;
        }
        labelled++;
        boolean fresh = r.offset() >= startEnds.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L);
        if (labelled % every == 0 && fresh) {
            String id = partitions == 1 ? "schedule-" + r.offset() : "schedule-" + r.partition() + "-" + r.offset();
            ObjectNode command = Json.MAPPER.createObjectNode().put("command", "retrain").put("model", model);
            command.putObject("dataset").put("topic", imagesTopic);
            try {
                producer.sendAndWait(controlTopic, id, Json.MAPPER.writeValueAsBytes(command));
                LOG.info("{} labelled images on {}: sent retrain {}", labelled, imagesTopic, id);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
