package dev.streamclassify.model.signing;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The public keys whose signatures a service accepts on model versions; several at once, so a new signing key can be
 * rolled out before the old one is retired. {@link #allowingUnsigned()} exists for local development only: it accepts
 * records without a signature (a bad or foreign signature is still refused). Immutable, thread-safe.
 */
public final class TrustedKeys {

    private final Map<String, PublicKey> keys;
    private final boolean allowUnsigned;

    private TrustedKeys(Map<String, PublicKey> keys, boolean allowUnsigned) {
        this.keys = Map.copyOf(keys);
        this.allowUnsigned = allowUnsigned;
    }

    public static TrustedKeys of(Collection<PublicKey> keys) {
        Map<String, PublicKey> byId = new LinkedHashMap<>();
        keys.forEach(k -> byId.put(SigningKeys.keyId(k), k));
        return new TrustedKeys(byId, false);
    }

    public static TrustedKeys none() {
        return of(Set.of());
    }

    /** The same keys, and unsigned versions accepted too (development only). */
    public TrustedKeys allowingUnsigned() {
        return new TrustedKeys(keys, true);
    }

    public boolean allowsUnsigned() {
        return allowUnsigned;
    }

    public Set<String> keyIds() {
        return keys.keySet();
    }

    /**
     * Checks that {@code value} under {@code recordKey} was signed by a trusted key. Touches nothing but the bytes and
     * the signature: run it before anything parses the artifact.
     *
     * @param signature from the record headers, null if they were missing
     * @throws ArtifactException {@code unsigned}, {@code untrusted-key} or {@code bad-signature}
     */
    public void verify(String recordKey, byte[] value, VersionSignature signature) throws ArtifactException {
        if (signature == null) {
            if (allowUnsigned) {
                return;
            }
            throw new ArtifactException(Reason.UNSIGNED, recordKey + " carries no signature; trusted keys: " + keys.keySet());
        }
        PublicKey key = keys.get(signature.keyId());
        if (key == null) {
            throw new ArtifactException(Reason.UNTRUSTED_KEY, recordKey + " is signed by key '" + signature.keyId()
                    + "', which is not trusted (trusted: " + keys.keySet() + ")");
        }
        boolean valid;
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initVerify(key);
            s.update(VersionSignature.message(recordKey, value));
            valid = s.verify(signature.signature());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            valid = false;
        }
        if (!valid) {
            throw new ArtifactException(Reason.BAD_SIGNATURE, recordKey + " has a signature by key " + signature.keyId()
                    + " that does not verify: the bytes were changed or signed by someone else");
        }
    }
}
