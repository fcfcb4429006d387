package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.catalog.VersionStore.Put;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class VersionStoreTest {

    @TempDir
    Path dir;

    @Test
    void keepsVersionsOnDiskAndReadsThemBackVerified() throws Exception {
        byte[] big = filled(8 * 1024 * 1024, 7);
        try (VersionStore store = new VersionStore(dir)) {
            for (long v = 1; v <= 3; v++) {
                assertThat(store.put("m", v, big, sign("m", v, big))).isEqualTo(Put.ADDED);
            }

            assertThat(store.versions("m")).containsExactly(1L, 2L, 3L);
            assertThat(store.highest("m")).isEqualTo(3);
            try (var files = Files.list(dir)) {
                assertThat(files.mapToLong(p -> p.toFile().length()).sum()).isEqualTo(3L * big.length);
            }
            assertThat(store.readVerified(store.get("m", 2).orElseThrow(), TestKeys.TRUSTED)).isEqualTo(big);
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void aSecondRecordWithOtherBytesUnderAVersionKeyIsAConflictAndTheFirstStays() throws Exception {
        byte[] first = filled(100, 1);
        byte[] second = filled(100, 2);
        try (VersionStore store = new VersionStore(dir)) {
            store.put("m", 1, first, sign("m", 1, first));

            assertThat(store.put("m", 1, first, sign("m", 1, first))).isEqualTo(Put.UNCHANGED);
            assertThat(store.put("m", 1, second, sign("m", 1, second))).isEqualTo(Put.CONFLICT);
            assertThat(store.readVerified(store.get("m", 1).orElseThrow(), TestKeys.TRUSTED)).isEqualTo(first);

            store.remove("m", 1);
            assertThat(store.versions("m")).isEmpty();
            assertThat(store.put("m", 1, second, sign("m", 1, second))).as("after a tombstone").isEqualTo(Put.CONFLICT);
            assertThat(store.put("m", 1, first, sign("m", 1, first))).isEqualTo(Put.ADDED);
        }
    }

    @Test
    void readingBackVerifiesTheSignatureAndTheBytesOnDisk() throws Exception {
        byte[] bytes = filled(1000, 3);
        try (VersionStore store = new VersionStore(dir)) {
            store.put("m", 1, bytes, null);
            store.put("m", 2, bytes, sign("m", 2, bytes));

            assertRefused(store, 1, TestKeys.TRUSTED, Reason.UNSIGNED);
            assertThat(store.readVerified(store.get("m", 1).orElseThrow(), TrustedKeys.none().allowingUnsigned())).isEqualTo(bytes);

            Files.write(dir.resolve("m-2.scmv"), filled(1000, 4));
            assertRefused(store, 2, TestKeys.TRUSTED, Reason.CORRUPT);
        }
    }

    private static void assertRefused(VersionStore store, long version, TrustedKeys trust, Reason reason) {
        ArtifactException e = catchThrowableOfType(ArtifactException.class,
                () -> store.readVerified(store.get("m", version).orElseThrow(), trust));
        assertThat(e).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    }

    private static dev.streamclassify.model.signing.VersionSignature sign(String model, long version, byte[] bytes) {
        return TestKeys.SIGNER.sign(ModelsTopic.versionKey(model, version), bytes);
    }

    private static byte[] filled(int size, int value) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
