package dev.streamclassify.model.signing;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class VersionSignatureTest {

    private static final String KEY = "version/default/0000000000000000003";
    private static final byte[] ARTIFACT = "artifact bytes".getBytes(StandardCharsets.UTF_8);

    private final KeyPair trainer = SigningKeys.generate();
    private final VersionSigner signer = new VersionSigner(trainer);
    private final TrustedKeys trusted = TrustedKeys.of(List.of(trainer.getPublic()));

    @Test
    void acceptsAVersionSignedByATrustedKey() {
        VersionSignature sig = signer.sign(KEY, ARTIFACT);

        assertThatCode(() -> trusted.verify(KEY, ARTIFACT, sig)).doesNotThrowAnyException();
        assertThat(sig.keyId()).isEqualTo(SigningKeys.keyId(trainer.getPublic())).hasSize(16);
    }

    @Test
    void refusesAnUnsignedVersionUnlessUnsignedIsExplicitlyAllowed() throws Exception {
        assertRefused(trusted, KEY, ARTIFACT, null, Reason.UNSIGNED);

        trusted.allowingUnsigned().verify(KEY, ARTIFACT, null);
    }

    @Test
    void refusesAVersionSignedByAnUntrustedKeyEvenWhenUnsignedIsAllowed() {
        VersionSignature foreign = new VersionSigner(SigningKeys.generate()).sign(KEY, ARTIFACT);

        assertRefused(trusted, KEY, ARTIFACT, foreign, Reason.UNTRUSTED_KEY);
        assertRefused(trusted.allowingUnsigned(), KEY, ARTIFACT, foreign, Reason.UNTRUSTED_KEY);
    }

    @Test
    void refusesChangedBytesAndAForgedKeyId() {
        VersionSignature sig = signer.sign(KEY, ARTIFACT);
        byte[] changed = ARTIFACT.clone();
        changed[0] ^= 1;
        VersionSignature forged = new VersionSignature(sig.keyId(), new VersionSigner(SigningKeys.generate()).sign(KEY, ARTIFACT).signature());

        assertRefused(trusted, KEY, changed, sig, Reason.BAD_SIGNATURE);
        assertRefused(trusted, KEY, ARTIFACT, forged, Reason.BAD_SIGNATURE);
        assertRefused(trusted, KEY, ARTIFACT, new VersionSignature(sig.keyId(), new byte[3]), Reason.BAD_SIGNATURE);
    }

    @Test
    void aSignedArtifactCannotBeReplayedUnderAnotherVersionKey() {
        VersionSignature sig = signer.sign(KEY, ARTIFACT);

        assertRefused(trusted, "version/default/0000000000000000004", ARTIFACT, sig, Reason.BAD_SIGNATURE);
    }

    @Test
    void trustsSeveralKeysAtOnceForRotation() throws Exception {
        KeyPair next = SigningKeys.generate();
        TrustedKeys both = TrustedKeys.of(List.of(trainer.getPublic(), next.getPublic()));

        both.verify(KEY, ARTIFACT, signer.sign(KEY, ARTIFACT));
        both.verify(KEY, ARTIFACT, new VersionSigner(next).sign(KEY, ARTIFACT));
        assertThat(both.keyIds()).hasSize(2);
    }

    @Test
    void keysSurviveTheirTextFormsAndTheSignerDerivesItsPublicKey(@TempDir Path dir) throws Exception {
        Path privateFile = Files.writeString(dir.resolve("signing.key"), SigningKeys.privatePem(trainer.getPrivate()));
        String fromFile = SigningKeys.resolve("file:" + privateFile, Map.of());
        String fromEnv = SigningKeys.resolve("env:SIGNING_KEY", Map.of("SIGNING_KEY", SigningKeys.privatePem(trainer.getPrivate())));

        for (String pem : List.of(fromFile, fromEnv)) {
            VersionSigner reloaded = VersionSigner.fromPrivatePem(pem);
            assertThat(reloaded.keyId()).isEqualTo(signer.keyId());
            trusted.verify(KEY, ARTIFACT, reloaded.sign(KEY, ARTIFACT));
        }
        assertThat(SigningKeys.parsePublic(SigningKeys.publicPem(trainer.getPublic()))).isEqualTo(trainer.getPublic());
        assertThat(SigningKeys.parsePublic(SigningKeys.publicBase64(trainer.getPublic()))).isEqualTo(trainer.getPublic());
    }

    @Test
    void refusesKeyTextThatIsNotAnEd25519Key() {
        assertThatThrownBy(() -> SigningKeys.parsePublic("bm90IGEga2V5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SigningKeys.parsePrivate("%%%")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SigningKeys.resolve("env:NOT_SET", Map.of())).hasMessageContaining("NOT_SET");
    }

    private static void assertRefused(TrustedKeys trust, String key, byte[] value, VersionSignature sig, Reason reason) {
        ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> trust.verify(key, value, sig));
        assertThat(e).as("verification should have failed").isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    }
}
