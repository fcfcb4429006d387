package dev.streamclassify.trainer.streampool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A copy of the stream pool at one moment: features of recent stream images, oldest first, all from the backbone
 * {@code backboneFingerprint}. Immutable apart from the feature arrays, which nobody writes after featurizing.
 */
public record PooledFeatures(String backboneFingerprint, List<Image> images) {

    /** One pooled image: its content hash, its features, and where it was on the images topic. */
    public record Image(String contentHash, float[] features, int partition, long offset) {
        public Image {
            Objects.requireNonNull(contentHash, "contentHash");
            Objects.requireNonNull(features, "features");
        }
    }

    public PooledFeatures {
        Objects.requireNonNull(backboneFingerprint, "backboneFingerprint");
        images = List.copyOf(images);
    }

    public int size() {
        return images.size();
    }

    /** Without the images whose content hash is in {@code hashes} (e.g. labelled images, so never a holdout image). */
    public PooledFeatures without(Set<String> hashes) {
        return new PooledFeatures(backboneFingerprint, images.stream().filter(i -> !hashes.contains(i.contentHash())).toList());
    }

    /** The {@code max} most recent images. */
    public PooledFeatures newest(int max) {
        return images.size() <= max ? this : new PooledFeatures(backboneFingerprint, images.subList(images.size() - max, images.size()));
    }

    public List<float[]> features() {
        List<float[]> out = new ArrayList<>(images.size());
        images.forEach(i -> out.add(i.features()));
        return out;
    }

    /** Per partition, the first and last offset of the images held: {@code {"0":[first,last]}}. */
    public SortedMap<String, List<Long>> offsetRanges() {
        Map<Integer, long[]> ranges = new TreeMap<>();
        for (Image i : images) {
            long[] r = ranges.computeIfAbsent(i.partition(), p -> new long[]{i.offset(), i.offset()});
            r[0] = Math.min(r[0], i.offset());
            r[1] = Math.max(r[1], i.offset());
        }
        SortedMap<String, List<Long>> out = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        ranges.forEach((p, r) -> out.put(Integer.toString(p), List.of(r[0], r[1])));
        return out;
    }
}
