package dev.streamclassify.model.signing;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A detached Ed25519 signature of one models-topic version record, carried in two record headers so the artifact
 * bytes stay exactly what the codec wrote. What is signed binds the record key to the bytes: a signed artifact cannot
 * be replayed under another version key.
 */
public record VersionSignature(String keyId, byte[] signature) {

    /** Header holding the 64 signature bytes. */
    public static final String HEADER = "signature";
    /** Header holding the signer's key id ({@link SigningKeys#keyId}), UTF-8. */
    public static final String KEY_ID_HEADER = "signature.key";

    private static final byte[] DOMAIN = "streamclassify/model-version/1\n".getBytes(StandardCharsets.UTF_8);

    public VersionSignature {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(signature, "signature");
    }

    /** The message that is signed: a domain tag, the record key and the record value. */
    static byte[] message(String recordKey, byte[] value) {
        byte[] key = (recordKey + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] m = new byte[DOMAIN.length + key.length + value.length];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(key, 0, m, DOMAIN.length, key.length);
        System.arraycopy(value, 0, m, DOMAIN.length + key.length, value.length);
        return m;
    }

    public byte[] keyIdBytes() {
        return keyId.getBytes(StandardCharsets.UTF_8);
    }

    /** From the two header values, either of which may be missing (null) on a hostile record. */
    public static VersionSignature fromHeaders(byte[] keyId, byte[] signature) {
        if (keyId == null || signature == null) {
            return null;
        }
        return new VersionSignature(new String(keyId, StandardCharsets.UTF_8), signature);
    }
}
