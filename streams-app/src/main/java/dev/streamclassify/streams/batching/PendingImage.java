package dev.streamclassify.streams.batching;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An image waiting in the batch buffer with everything its outcome needs: original key (nullable) and bytes, where
 * it was read, its record timestamp, and when it arrived (epoch nanoseconds, so latency survives a restart).
 * The byte array is owned by the record.
 */
public record PendingImage(String key, byte[] value, String topic, int partition, long offset, long timestamp,
                           long arrivalEpochNanos) {

    private static final byte FORMAT = 1;

    public PendingImage {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(topic, "topic");
    }

    /** The record key, or {@code topic-partition-offset} for keyless images. */
    public String imageId() {
        return key != null ? key : topic + "-" + partition + "-" + offset;
    }

    /** Buffer keys sort by partition, then offset (big-endian, non-negative), so draining keeps input order. */
    public static byte[] bufferKey(int partition, long offset) {
        return ByteBuffer.allocate(Integer.BYTES + Long.BYTES).putInt(partition).putLong(offset).array();
    }

    public byte[] bufferKey() {
        return bufferKey(partition, offset);
    }

    public byte[] encode() {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 8 + 8 + 8 + 4 + t.length + 4 + (k == null ? 0 : k.length) + 4 + value.length);
        b.put(FORMAT).putInt(partition).putLong(offset).putLong(timestamp).putLong(arrivalEpochNanos);
        b.putInt(t.length).put(t);
        b.putInt(k == null ? -1 : k.length);
        if (k != null) {
            b.put(k);
        }
        b.putInt(value.length).put(value);
        return b.array();
    }

    /** @throws IllegalArgumentException if {@code bytes} is not an encoded pending image */
    public static PendingImage decode(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte format = b.get();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown buffer record format " + format);
            }
            int partition = b.getInt();
            long offset = b.getLong();
            long timestamp = b.getLong();
            long arrival = b.getLong();
            String topic = new String(take(b, b.getInt()), StandardCharsets.UTF_8);
            int keyLength = b.getInt();
            String key = keyLength < 0 ? null : new String(take(b, keyLength), StandardCharsets.UTF_8);
            byte[] value = take(b, b.getInt());
            return new PendingImage(key, value, topic, partition, offset, timestamp, arrival);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("corrupt buffer record: " + e, e);
        }
    }

    private static byte[] take(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingImage p && Objects.equals(key, p.key) && java.util.Arrays.equals(value, p.value)
                && topic.equals(p.topic) && partition == p.partition && offset == p.offset && timestamp == p.timestamp
                && arrivalEpochNanos == p.arrivalEpochNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, topic, partition, offset);
    }

    @Override
    public String toString() {
        return "PendingImage[" + imageId() + ", " + value.length + " bytes]";
    }
}
