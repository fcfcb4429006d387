package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.DatasetBudget;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Labelled images from a training-images topic: value = encoded image, header {@value #LABEL_HEADER} = class name.
 * Records that are not decodable images, or carry no usable label, are counted and skipped; an image repeated with
 * the same label (an at-least-once producer retrying) is kept once. Class ids follow the sorted label names, so the
 * same data always gives the same head layout. Stateless.
 */
public final class TrainingImages {

    public static final String LABEL_HEADER = "label";
    static final int MAX_LABEL_CHARS = 200;

    /** The data set and what was left out of it. */
    public record Loaded(Dataset dataset, int records, int skipped, int unlabelled, int duplicates) {
    }

    private TrainingImages() {
    }

    /**
     * Reads {@code [from, to)} of every partition in {@code ranges}.
     *
     * @param stall fail when no record arrives for this long although the range is not read to its end
     * @param budget bounds the set; images are held as it admits them (shrunk to the backbone's input)
     * @throws IllegalArgumentException if fewer than two classes have images
     * @throws DatasetBudget.Exceeded if the range holds more records, or its images more pixels, than the budget allows
     */
    public static Loaded read(Map<String, Object> consumerProperties, Map<TopicPartition, long[]> ranges, ImageDecoder decoder,
                              DatasetBudget budget, Duration stall, BooleanSupplier cancelled) {
        Collector collector = new Collector(decoder, budget);
        budget.checkCandidates(ranges.values().stream().mapToLong(r -> Math.max(0, r[1] - r[0])).sum(), "records in the requested range");
        if (ranges.values().stream().anyMatch(r -> r[0] < r[1])) {
            try (Consumer<String, byte[]> c = new KafkaConsumer<>(TopicRanges.readerProperties(consumerProperties, "trainer-training-images"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                TopicRanges.read(c, ranges, stall, cancelled, "training images", collector::add);
            }
        }
        return collector.result();
    }

    /** Accumulates images from topic records or a folder and builds the data set. */
    static final class Collector {
        private final ImageDecoder decoder;
        private final DatasetBudget budget;
        private final List<LabelledImage> images = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();
        private int records;
        private int skipped;
        private int unlabelled;
        private int duplicates;

        Collector(ImageDecoder decoder, DatasetBudget budget) {
            this.decoder = decoder;
            this.budget = budget;
        }

        void add(ConsumerRecord<String, byte[]> r) {
            records++;
            if (r.value() == null) {
                skipped++;
                return;
            }
            Optional<String> label = label(r.headers().lastHeader(LABEL_HEADER));
            if (label.isEmpty()) {
                unlabelled++;
                return;
            }
            try {
                add(new LabelledImage(label.get(), budget.admit(decoder.decode(r.value()))));
            } catch (ImageRejectedException e) {
                skipped++;
            }
        }

        void add(LabelledImage image) {
            if (seen.add(image.label() + "\n" + image.contentHash())) {
                images.add(image);
            } else {
                duplicates++;
            }
        }

        void skipped(int n) {
            skipped += n;
            records += n;
        }

        Loaded result() {
            List<String> labels = new ArrayList<>(new TreeSet<>(images.stream().map(LabelledImage::label).toList()));
            if (labels.size() < 2) {
                throw new IllegalArgumentException("a classifier needs images of at least 2 classes, found " + labels
                        + " in " + records + " records (" + skipped + " undecodable, " + unlabelled + " without a label)");
            }
            return new Loaded(new Dataset(labels, images), records, skipped, unlabelled, duplicates);
        }
    }

    static Optional<String> label(Header header) {
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        String label;
        try {
            label = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header.value())).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        if (label.isBlank() || label.length() > MAX_LABEL_CHARS || label.chars().anyMatch(Character::isISOControl)) {
            return Optional.empty();
        }
        return Optional.of(label);
    }
}
