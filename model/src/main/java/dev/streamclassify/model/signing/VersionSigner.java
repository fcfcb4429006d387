package dev.streamclassify.model.signing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Signs version records with one private key. Thread-safe. */
public final class VersionSigner {

    private final PrivateKey key;
    private final PublicKey publicKey;
    private final String keyId;

    public VersionSigner(PrivateKey key, PublicKey publicKey) {
        this.key = key;
        this.publicKey = publicKey;
        this.keyId = SigningKeys.keyId(publicKey);
    }

    public VersionSigner(KeyPair pair) {
        this(pair.getPrivate(), pair.getPublic());
    }

    /** A signer from a PKCS#8 PEM private key; the public key (for its id) is derived from it. */
    public static VersionSigner fromPrivatePem(String pem) {
        PrivateKey key = SigningKeys.parsePrivate(pem);
        return new VersionSigner(key, SigningKeys.publicOf(key));
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return keyId;
    }

    public VersionSignature sign(String recordKey, byte[] value) {
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initSign(key);
            s.update(VersionSignature.message(recordKey, value));
            return new VersionSignature(keyId, s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with key " + keyId, e);
        }
    }
}
