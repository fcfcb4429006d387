package dev.streamclassify.model.testing;

import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSigner;

import java.security.KeyPair;
import java.util.List;

/** A signing key pair per test JVM, trusted by the services that tests start (shipped in the test-jar). */
public final class TestKeys {

    public static final KeyPair PAIR = SigningKeys.generate();
    public static final VersionSigner SIGNER = new VersionSigner(PAIR);
    public static final TrustedKeys TRUSTED = TrustedKeys.of(List.of(PAIR.getPublic()));

    private TestKeys() {
    }

    /** The value of a {@code models.signing.key} setting that signs as {@link #SIGNER} (the PEM itself). */
    public static String signingKeySetting() {
        return SigningKeys.privatePem(PAIR.getPrivate());
    }

    /** The value of a {@code models.trusted.keys} setting that trusts {@link #SIGNER}. */
    public static String trustedKeysSetting() {
        return SigningKeys.publicBase64(PAIR.getPublic());
    }
}
