package dev.streamclassify.trainer.streampool.internal;

import dev.streamclassify.trainer.streampool.internal.FeatureRing.Entry;
import dev.streamclassify.trainer.streampool.internal.FeatureRing.Eviction;
import dev.streamclassify.trainer.streampool.internal.FeatureRing.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeatureRingTest {

    private static final String BACKBONE_A = "sha256:aaaa";
    private static final String BACKBONE_B = "sha256:bbbb";
    private static final int FEATURES = 8;
    private static final long ENTRY_BYTES = 4L * FEATURES + FeatureRing.ENTRY_OVERHEAD_BYTES;

    private static Entry entry(int i) {
        return entry(i, FEATURES);
    }

    private static Entry entry(int i, int features) {
        float[] f = new float[features];
        f[0] = i;
        return new Entry("hash-" + i, f, i % 2, 100L + i, 1_000L * i);
    }

    private static List<Long> offsets(FeatureRing ring, String fingerprint) {
        return ring.contents(fingerprint).entries().stream().map(Entry::offset).toList();
    }

    @Test
    void keepsTheMostRecentEntriesWhenTheCountBoundIsReached() {
        FeatureRing ring = new FeatureRing(3, Long.MAX_VALUE);

        for (int i = 0; i < 5; i++) {
            assertThat(ring.add(BACKBONE_A, entry(i))).isEqualTo(Outcome.ADDED);
        }

        assertThat(ring.size()).isEqualTo(3);
        assertThat(offsets(ring, BACKBONE_A)).containsExactly(102L, 103L, 104L);
        assertThat(ring.bytes()).isEqualTo(3 * ENTRY_BYTES);
        assertThat(ring.evicted(Eviction.COUNT)).isEqualTo(2);
        assertThat(ring.evicted(Eviction.BYTES)).isZero();
    }

    @Test
    void pushesOutTheOldestEntriesWhenTheByteBoundIsReached() {
        FeatureRing ring = new FeatureRing(1000, 2 * ENTRY_BYTES + ENTRY_BYTES / 2);

        for (int i = 0; i < 4; i++) {
            ring.add(BACKBONE_A, entry(i));
        }

        assertThat(offsets(ring, BACKBONE_A)).containsExactly(102L, 103L);
        assertThat(ring.bytes()).isEqualTo(2 * ENTRY_BYTES).isLessThanOrEqualTo(2 * ENTRY_BYTES + ENTRY_BYTES / 2);
        assertThat(ring.evicted(Eviction.BYTES)).isEqualTo(2);
        assertThat(ring.evicted(Eviction.COUNT)).isZero();
    }

    @Test
    void refusesAnEntryLargerThanTheWholeByteBoundAndKeepsWhatItHolds() {
        FeatureRing ring = new FeatureRing(10, 2 * ENTRY_BYTES);
        ring.add(BACKBONE_A, entry(1));

        assertThat(ring.add(BACKBONE_A, entry(2, 1000))).isEqualTo(Outcome.TOO_LARGE);

        assertThat(offsets(ring, BACKBONE_A)).containsExactly(101L);
    }

    @Test
    void anImageAlreadyHeldIsNotAddedTwiceButMayReturnOnceItLeft() {
        FeatureRing ring = new FeatureRing(2, Long.MAX_VALUE);
        ring.add(BACKBONE_A, entry(1));

        assertThat(ring.add(BACKBONE_A, entry(1))).isEqualTo(Outcome.DUPLICATE);
        assertThat(ring.size()).isEqualTo(1);

        ring.add(BACKBONE_A, entry(2));
        ring.add(BACKBONE_A, entry(3));
        assertThat(ring.add(BACKBONE_A, entry(1))).isEqualTo(Outcome.ADDED);
        assertThat(offsets(ring, BACKBONE_A)).containsExactly(103L, 101L);
    }

    @Test
    void aBackboneChangeEmptiesTheRingSoFeaturesOfTwoBackbonesNeverMix() {
        FeatureRing ring = new FeatureRing(10, Long.MAX_VALUE);
        ring.add(BACKBONE_A, entry(1));
        ring.add(BACKBONE_A, entry(2));

        ring.add(BACKBONE_B, entry(3));

        assertThat(offsets(ring, BACKBONE_B)).containsExactly(103L);
        assertThat(ring.contents(BACKBONE_A).entries()).isEmpty();
        assertThat(ring.bytes()).isEqualTo(ENTRY_BYTES);
        assertThat(ring.evicted(Eviction.BACKBONE)).isEqualTo(2);
        // the image hashes went with the entries: an image of the old backbone may come back under the new one
        assertThat(ring.add(BACKBONE_B, entry(1))).isEqualTo(Outcome.ADDED);
    }

    @Test
    void contentsAreACopyTheRingNoLongerChanges() {
        FeatureRing ring = new FeatureRing(2, Long.MAX_VALUE);
        ring.add(BACKBONE_A, entry(1));
        FeatureRing.Contents before = ring.contents(BACKBONE_A);

        ring.add(BACKBONE_A, entry(2));
        ring.add(BACKBONE_A, entry(3));

        assertThat(before.entries()).extracting(Entry::offset).containsExactly(101L);
    }

    @Test
    void reportsTheTimestampsOfItsOldestAndNewestImages() {
        FeatureRing ring = new FeatureRing(10, Long.MAX_VALUE);
        assertThat(ring.oldestTimestamp()).isEmpty();

        ring.add(BACKBONE_A, entry(3));
        ring.add(BACKBONE_A, entry(1));
        ring.add(BACKBONE_A, entry(2));

        assertThat(ring.oldestTimestamp()).hasValue(1_000L);
        assertThat(ring.newestTimestamp()).hasValue(3_000L);
    }

    @Test
    void refusesBoundsThatHoldNothing() {
        assertThatThrownBy(() -> new FeatureRing(0, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FeatureRing(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
