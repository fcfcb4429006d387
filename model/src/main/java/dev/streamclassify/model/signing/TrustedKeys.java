package dev.streamclassify.model.signing;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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

    /** Documentation of the trusted-keys setting, shared by the services that declare it. */
    public static final String KEYS_DOC = "Public keys whose Ed25519 signatures on model versions are trusted, comma-separated: "
            + "each the one-line base64 that 'trainer keygen' prints, file:/path/key.pub or env:VARIABLE. List the new "
            + "and the old key while rotating. A version signed by no trusted key is refused before it is parsed.";
    /** Documentation of the allow-unsigned setting. */
    public static final String ALLOW_UNSIGNED_DOC = "Development only: also accept model versions without a signature "
            + "(logged loudly at start). A bad or foreign signature is still refused.";

    /**
     * Trusted keys from setting values ({@link #KEYS_DOC}); {@code env} resolves {@code env:} entries.
     *
     * @throws IllegalArgumentException naming the entry that is not a readable Ed25519 public key, or when there is
     *                                  neither a key nor {@code allowUnsigned}: such a service could never load a version
     */
    public static TrustedKeys fromSettings(List<String> entries, boolean allowUnsigned, Map<String, String> env) {
        List<PublicKey> keys = new ArrayList<>();
        for (String entry : entries) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                keys.add(SigningKeys.parsePublic(SigningKeys.resolve(entry.trim(), env)));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot read trusted key '" + entry.trim() + "': " + e.getMessage(), e);
            }
        }
        if (keys.isEmpty() && !allowUnsigned) {
            throw new IllegalArgumentException("no trusted key: every model version would be refused; give the trainer's "
                    + "public key (trainer keygen prints it) or, for development only, allow unsigned versions");
        }
        TrustedKeys trusted = of(keys);
        return allowUnsigned ? trusted.allowingUnsigned() : trusted;
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
