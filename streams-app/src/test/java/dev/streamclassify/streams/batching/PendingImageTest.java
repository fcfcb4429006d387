package dev.streamclassify.streams.batching;

import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PendingImageTest {

    @Test
    void survivesTheBufferEncodingWithAndWithoutAKey() {
        PendingImage keyed = new PendingImage("a1", new byte[]{1, 2, 3}, "images", 2, 12345L, 1_700_000_000_000L, 42L);
        PendingImage keyless = new PendingImage(null, new byte[0], "images", 0, 0L, -1L, 0L);

        assertThat(PendingImage.decode(keyed.encode())).isEqualTo(keyed);
        assertThat(PendingImage.decode(keyless.encode())).isEqualTo(keyless);
        assertThat(keyless.imageId()).isEqualTo("images-0-0");
    }

    @Test
    void bufferKeysSortByPartitionThenOffset() {
        List<Bytes> keys = Stream.of(new long[]{1, 5}, new long[]{0, 300}, new long[]{0, 2}, new long[]{0, 1L << 40})
                .map(p -> Bytes.wrap(PendingImage.bufferKey((int) p[0], p[1]))).sorted().toList();

        assertThat(keys).containsExactly(
                Bytes.wrap(PendingImage.bufferKey(0, 2)), Bytes.wrap(PendingImage.bufferKey(0, 300)),
                Bytes.wrap(PendingImage.bufferKey(0, 1L << 40)), Bytes.wrap(PendingImage.bufferKey(1, 5)));
    }

    @Test
    void refusesBytesThatAreNotABufferRecord() {
        assertThatThrownBy(() -> PendingImage.decode(new byte[]{9, 9})).isInstanceOf(IllegalArgumentException.class);
    }
}
