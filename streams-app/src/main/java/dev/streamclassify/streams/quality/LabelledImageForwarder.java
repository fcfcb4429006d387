package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.PredictionEvent.SourceRef;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a matched label into a training image: the image's bytes, read back from the images topic at the offset its
 * prediction recorded, with a {@code label} header (the trainer's training-images format). The images topic is the
 * store: nothing holds image bytes for the join window, at the price of one fetch per labelled image. An image no
 * longer there (retention shorter than the join window) is counted and skipped. One instance per task; owns its
 * consumer.
 */
final class LabelledImageForwarder implements FixedKeyProcessor<String, LabelMatch, byte[]> {

    /** The header that names an image's class on the training-images topic (DESIGN.md section 2). */
    static final String LABEL_HEADER = "label";
    static final String LABEL_SOURCE_HEADER = "label.source";
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(LabelledImageForwarder.class);

    private final Map<String, Object> consumerProperties;
    private final QualityMetrics metrics;
    private FixedKeyProcessorContext<String, byte[]> context;
    private KafkaConsumer<byte[], byte[]> consumer;

    /** @param consumerProperties bootstrap servers and security settings of a plain consumer */
    LabelledImageForwarder(Map<String, Object> consumerProperties, QualityMetrics metrics) {
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, byte[]> context) {
        this.context = context;
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void process(FixedKeyRecord<String, LabelMatch> record) {
        LabelMatch m = record.value();
        SourceRef source = m.votes().source();
        if (source == null) {
            metrics.labelledImage("no-source");
            return;
        }
        Optional<byte[]> image = fetch(source, m.imageId());
        if (image.isEmpty()) {
            metrics.labelledImage("image-gone");
            return;
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(LABEL_HEADER, m.label().label().getBytes(StandardCharsets.UTF_8));
        if (m.label().source() != null) {
            headers.add(LABEL_SOURCE_HEADER, m.label().source().getBytes(StandardCharsets.UTF_8));
        }
        headers.add("source.topic", source.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("source.partition", Integer.toString(source.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("source.offset", Long.toString(source.offset()).getBytes(StandardCharsets.UTF_8));
        metrics.labelledImage("forwarded");
        context.forward(record.withValue(image.get()).withHeaders(headers));
    }

    /** The value at {@code source}, if the record there still exists and is the image {@code imageId} names. */
    private Optional<byte[]> fetch(SourceRef source, String imageId) {
        TopicPartition tp = new TopicPartition(source.topic(), source.partition());
        try {
            consumer.assign(List.of(tp));
            consumer.seek(tp, source.offset());
            long deadline = System.nanoTime() + FETCH_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() != source.offset()) {
                        return Optional.empty();   // compacted away or a transaction marker: not our image
                    }
                    // an unkeyed image's id is topic-partition-offset: nothing to compare; a keyed one must match
                    boolean same = r.key() == null || Arrays.equals(r.key(), imageId.getBytes(StandardCharsets.UTF_8));
                    return same && r.value() != null ? Optional.of(r.value()) : Optional.empty();
                }
                if (consumer.position(tp) > source.offset()) {
                    return Optional.empty();
                }
            }
            LOG.warn("No record at {}:{} within {}; the labelled image {} is not forwarded", tp, source.offset(), FETCH_TIMEOUT, imageId);
            return Optional.empty();
        } catch (OffsetOutOfRangeException e) {
            return Optional.empty();   // retention removed it
        } catch (KafkaException e) {
            LOG.warn("Cannot read {}:{} for the labelled image {}: {}", tp, source.offset(), imageId, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
