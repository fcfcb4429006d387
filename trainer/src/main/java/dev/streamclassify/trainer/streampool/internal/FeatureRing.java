package dev.streamclassify.trainer.streampool.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The most recent stream images' features, oldest first, bounded by entry count and by bytes: an addition that
 * would pass either bound pushes the oldest entries out. All entries come from one backbone: an entry of another
 * fingerprint first empties the ring, so features of two backbones are never mixed. An image already held (same
 * content hash) is not added twice. Thread-safe: the follower adds while a retrain takes a snapshot.
 */
public final class FeatureRing {

    /** Rough heap cost of an entry beyond its feature floats: the object, its hash string and the deque slot. */
    public static final int ENTRY_OVERHEAD_BYTES = 200;

    /**
     * One pooled image: its content hash (to leave out images that are also labelled), its features and where the
     * stream had it.
     *
     * @param timestamp the record's timestamp, epoch millis
     */
    public record Entry(String contentHash, float[] features, int partition, long offset, long timestamp) {

        public Entry {
            Objects.requireNonNull(contentHash, "contentHash");
            Objects.requireNonNull(features, "features");
        }

        public long bytes() {
            return 4L * features.length + ENTRY_OVERHEAD_BYTES;
        }
    }

    /** What {@link #add} did with an entry. */
    public enum Outcome { ADDED, DUPLICATE, TOO_LARGE }

    /** Why entries left the ring; {@link #code()} is the metric tag. */
    public enum Eviction {
        COUNT("count"), BYTES("bytes"), BACKBONE("backbone");

        private final String code;

        Eviction(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Entries of one fingerprint, oldest first: a copy the ring no longer touches. */
    public record Contents(String fingerprint, List<Entry> entries) {
        public Contents {
            entries = List.copyOf(entries);
        }
    }

    private final int maxEntries;
    private final long maxBytes;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private final Set<String> hashes = new HashSet<>();
    private String fingerprint;
    private long bytes;
    private final long[] evicted = new long[Eviction.values().length];

    public FeatureRing(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a ring holds at least one entry and one byte, was " + maxEntries + " and " + maxBytes);
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** Adds {@code entry}, featurized by the backbone {@code backboneFingerprint}, evicting the oldest as the bounds require. */
    public synchronized Outcome add(String backboneFingerprint, Entry entry) {
        Objects.requireNonNull(backboneFingerprint, "backboneFingerprint");
        if (!backboneFingerprint.equals(fingerprint)) {
            evicted[Eviction.BACKBONE.ordinal()] += entries.size();
            clear();
            fingerprint = backboneFingerprint;
        }
        if (entry.bytes() > maxBytes) {
            return Outcome.TOO_LARGE;
        }
        if (!hashes.add(entry.contentHash())) {
            return Outcome.DUPLICATE;
        }
        entries.addLast(entry);
        bytes += entry.bytes();
        while (entries.size() > maxEntries) {
            removeOldest();
            evicted[Eviction.COUNT.ordinal()]++;
        }
        while (bytes > maxBytes) {
            removeOldest();
            evicted[Eviction.BYTES.ordinal()]++;
        }
        return Outcome.ADDED;
    }

    /** The entries, if they were featurized by {@code backboneFingerprint}; empty contents otherwise. */
    public synchronized Contents contents(String backboneFingerprint) {
        return new Contents(backboneFingerprint, backboneFingerprint.equals(fingerprint) ? new ArrayList<>(entries) : List.of());
    }

    /** Whether an image with this content hash is held (of whatever backbone). */
    public synchronized boolean holds(String contentHash) {
        return hashes.contains(contentHash);
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Feature bytes plus {@link #ENTRY_OVERHEAD_BYTES} per entry: what {@code maxBytes} bounds. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The smallest record timestamp held; empty when the ring is. */
    public synchronized OptionalLong oldestTimestamp() {
        return entries.stream().mapToLong(Entry::timestamp).min();
    }

    /** The largest record timestamp held; empty when the ring is. */
    public synchronized OptionalLong newestTimestamp() {
        return entries.stream().mapToLong(Entry::timestamp).max();
    }

    /** Entries pushed out for {@code reason} since the ring was made. */
    public synchronized long evicted(Eviction reason) {
        return evicted[reason.ordinal()];
    }

    private void removeOldest() {
        Entry e = entries.removeFirst();
        hashes.remove(e.contentHash());
        bytes -= e.bytes();
    }

    private void clear() {
        entries.clear();
        hashes.clear();
        bytes = 0;
    }
}
