package dev.streamclassify.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HashingTest {

    @Test
    void fingerprintIsPrefixedLowercaseSha256() {
        // FIPS 180-2 test vector for "abc"
        assertThat(Hashing.fingerprint("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void fingerprintIsStable() {
        byte[] bytes = new byte[10_000];
        new Random(3).nextBytes(bytes);

        assertThat(Hashing.fingerprint(bytes)).isEqualTo(Hashing.fingerprint(bytes.clone()))
                .matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void differentBytesGiveDifferentFingerprints() {
        assertThat(Hashing.fingerprint(new byte[]{1})).isNotEqualTo(Hashing.fingerprint(new byte[]{2}));
    }

    @Test
    void fileFingerprintEqualsTheFingerprintOfItsBytes(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[200_000];  // more than one read buffer
        new Random(4).nextBytes(bytes);
        Path file = Files.write(dir.resolve("blob.bin"), bytes);

        assertThat(Hashing.fingerprint(file)).isEqualTo(Hashing.fingerprint(bytes));
    }

    @Test
    void emptyInputHasTheWellKnownDigest() {
        assertThat(Hashing.sha256Hex(new byte[0])).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
