package dev.streamclassify.streams.quality;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Turns labels-topic records into {@link QualityInput}s; a record without an id or a usable label is counted and dropped. */
final class LabelParser implements FixedKeyProcessor<String, byte[], QualityInput> {

    static final String LABEL_HEADER = "label";
    private static final Logger LOG = LoggerFactory.getLogger(LabelParser.class);

    private final QualityMetrics metrics;
    private FixedKeyProcessorContext<String, QualityInput> context;

    LabelParser(QualityMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, QualityInput> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
        if (record.key() == null || record.key().isEmpty()) {
            metrics.label("invalid");
            LOG.debug("Dropping a label without an image id");
            return;
        }
        Header header = record.headers().lastHeader(LABEL_HEADER);
        try {
            LabelFeedback label = LabelFeedback.parse(record.value(), header == null ? null : header.value());
            context.forward(record.withValue(QualityInput.of(label)));
        } catch (IOException e) {
            metrics.label("invalid");
            LOG.debug("Dropping the label of {}: {}", record.key(), e.getMessage());
        }
    }
}
