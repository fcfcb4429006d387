package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.trainer.dataset.FolderLoadResult;
import dev.streamclassify.trainer.dataset.ImageFolderDataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The unlabelled images a semi-supervised retrain learns from, bounded in count and in encoded bytes. Every record
 * is hostile: what does not decode is skipped and counted, an image seen twice is kept once, and an image that is
 * also a labelled image (train or holdout) is left out, so a pseudo-label can never touch a holdout image. Images
 * stay decoded but not preprocessed: the featurizer runs them through the product's one preprocessing path. Stateless.
 */
final class UnlabelledPool {

    /**
     * The pool and what was left out of it.
     *
     * @param skipped    records that were empty or not decodable images
     * @param overBudget records not read because the byte budget was spent
     * @param excluded   images that are also labelled images
     */
    record Loaded(List<RawImage> images, int records, int skipped, int duplicates, int excluded, int overBudget) {

        Loaded {
            images = List.copyOf(images);
        }

        /** Counts what this read: images used, and records left out by reason. */
        void countIn(RetrainMetrics metrics) {
            metrics.unlabelled("used", images.size());
            metrics.unlabelled("undecodable", skipped);
            metrics.unlabelled("duplicate", duplicates);
            metrics.unlabelled("labelled", excluded);
            metrics.unlabelled("over-budget", overBudget);
        }
    }

    private UnlabelledPool() {
    }

    /**
     * The most recent {@code max} records of {@code topic} over all its partitions (by record timestamp), of which at
     * most {@code maxBytes} encoded bytes are held: when the budget is spent the oldest held records give way.
     *
     * @param exclude content hashes of the labelled images
     * @param stall   fail when no record arrives for this long although the range is not read to its end
     * @throws IOException if the topic does not exist or cannot be read
     */
    static Loaded recent(Map<String, Object> consumerProperties, String topic, int max, long maxBytes, ImageDecoder decoder,
                         Set<String> exclude, Duration stall, BooleanSupplier cancelled) throws IOException {
        Recent recent = new Recent(max, maxBytes);
        try (Consumer<String, byte[]> c = new KafkaConsumer<>(TopicRanges.readerProperties(consumerProperties, "trainer-unlabelled-images"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, stall);
            if (infos == null || infos.isEmpty()) {
                throw new IOException("unlabelled topic '" + topic + "' does not exist");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> begin = c.beginningOffsets(partitions, stall);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, stall);
            Map<TopicPartition, long[]> ranges = new HashMap<>();
            // any partition may hold all of the most recent max records
            partitions.forEach(tp -> ranges.put(tp, new long[]{Math.max(begin.get(tp), end.get(tp) - max), end.get(tp)}));
            TopicRanges.read(c, ranges, stall, cancelled, "unlabelled images", recent::add);
        }
        Collector collector = new Collector(max, Long.MAX_VALUE, decoder, exclude);
        recent.oldestFirst().forEach(collector::add);
        collector.overBudget += recent.overBudget;
        return collector.result();
    }

    /** The newest records seen, at most {@code max} of them and {@code maxBytes} of values; older ones give way. */
    private static final class Recent {
        private final int max;
        private final long maxBytes;
        private final PriorityQueue<ConsumerRecord<String, byte[]>> held = new PriorityQueue<>(
                Comparator.<ConsumerRecord<String, byte[]>>comparingLong(ConsumerRecord::timestamp)
                        .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        private long bytes;
        private int overBudget;

        Recent(int max, long maxBytes) {
            this.max = max;
            this.maxBytes = maxBytes;
        }

        void add(ConsumerRecord<String, byte[]> r) {
            held.add(r);
            bytes += size(r);
            while (held.size() > max) {
                bytes -= size(held.poll());
            }
            while (bytes > maxBytes) {
                bytes -= size(held.poll());
                overBudget++;
            }
        }

        List<byte[]> oldestFirst() {
            List<byte[]> out = new ArrayList<>(held.size());
            while (!held.isEmpty()) {
                out.add(held.poll().value());
            }
            return out;
        }

        private static long size(ConsumerRecord<String, byte[]> r) {
            return r.value() == null ? 0 : r.value().length;
        }
    }

    /** Up to {@code max} images of a folder laid out like a labelled one; the sub-folder names are ignored. */
    static Loaded folder(Path path, int max, long maxBytes, ImageDecoder decoder, Set<String> exclude) throws IOException {
        FolderLoadResult r = ImageFolderDataset.load(path, decoder);
        Collector collector = new Collector(max, maxBytes, decoder, exclude);
        collector.skipped += r.skipped().size();
        collector.records += r.skipped().size();
        for (LabelledImage img : r.dataset().images()) {
            collector.add(img.image());
        }
        return collector.result();
    }

    private static final class Collector {
        private final int max;
        private final long maxBytes;
        private final ImageDecoder decoder;
        private final Set<String> exclude;
        private final Set<String> seen = new HashSet<>();
        private final List<RawImage> images = new ArrayList<>();
        private long bytes;
        private int records;
        private int skipped;
        private int duplicates;
        private int excluded;
        private int overBudget;

        Collector(int max, long maxBytes, ImageDecoder decoder, Set<String> exclude) {
            this.max = max;
            this.maxBytes = maxBytes;
            this.decoder = decoder;
            this.exclude = exclude;
        }

        void add(byte[] encoded) {
            records++;
            if (encoded == null || encoded.length == 0) {
                skipped++;
                return;
            }
            if (bytes + encoded.length > maxBytes || images.size() >= max) {
                overBudget++;
                return;
            }
            bytes += encoded.length;
            try {
                keep(decoder.decode(encoded));
            } catch (ImageRejectedException e) {
                skipped++;
            }
        }

        void add(RawImage image) {
            records++;
            if (images.size() >= max || bytes + image.pixels().length > maxBytes) {
                overBudget++;
                return;
            }
            bytes += image.pixels().length;
            keep(image);
        }

        private void keep(RawImage image) {
            String hash = LabelledImage.contentHash(image);
            if (exclude.contains(hash)) {
                excluded++;
            } else if (!seen.add(hash)) {
                duplicates++;
            } else {
                images.add(image);
            }
        }

        Loaded result() {
            return new Loaded(images, records, skipped, duplicates, excluded, overBudget);
        }
    }
}
