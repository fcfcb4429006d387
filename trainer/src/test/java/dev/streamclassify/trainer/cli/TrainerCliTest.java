package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.trainer.dataset.DataSources;
import dev.streamclassify.trainer.dataset.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerCliTest {

    @Test
    void trainWritesAModelVersionForTheSelectedClasses(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("v1.scmv");
        int code = TrainerCli.run("train", "--data", "sample", "--classes", "5-9", "--per-class", "20", "--epochs", "3",
                "--min-updates", "30", "--model-name", "shoes", "--version", "4", "--cache-dir", dir.resolve("cache").toString(),
                "--out", out.toString());
        assertThat(code).isZero();
        ModelVersion mv = new ModelVersionCodec().decode(Files.readAllBytes(out));
        assertThat(mv.id()).isEqualTo("shoes:v4");
        assertThat(mv.labels()).containsExactly("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
        assertThat(mv.metrics().trainImages()).isEqualTo(100);
        assertThat(mv.metrics().holdoutImages()).isEqualTo(500);
        assertThat(Files.list(dir.resolve("cache"))).hasSize(1);
    }

    @Test
    void keygenWritesAPairThatSignsAndVerifiesAndNeverOverwritesIt(@TempDir Path dir) throws Exception {
        assertThat(TrainerCli.run("keygen", "--out", dir.toString())).isZero();

        Path privateKey = dir.resolve("model-signing.key");
        assertThat(Files.getPosixFilePermissions(privateKey)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        VersionSigner signer = VersionSigner.fromPrivatePem(Files.readString(privateKey));
        TrustedKeys trusted = TrustedKeys.of(List.of(SigningKeys.parsePublic(Files.readString(dir.resolve("model-signing.pub")))));
        trusted.verify("version/m/1", new byte[]{1, 2}, signer.sign("version/m/1", new byte[]{1, 2}));

        assertThat(TrainerCli.run("keygen", "--out", dir.toString())).as("a second keygen into the same place").isNotZero();
        assertThat(VersionSigner.fromPrivatePem(Files.readString(privateKey)).keyId()).isEqualTo(signer.keyId());
    }

    @Test
    void serveRefusesToStartWithoutASigningKeyNamingTheSetting() {
        assertThat(TrainerCli.run("serve")).as("exit code of a configuration error").isEqualTo(2);
    }

    @Test
    void publishRefusesToRunWithoutASigningKeyUnlessToldUnsigned(@TempDir Path dir) {
        assertThat(TrainerCli.run("publish", dir.resolve("none.scmv").toString(), "--bootstrap-servers", "localhost:1"))
                .isNotZero();
    }

    @Test
    void badOptionsExitNonZero(@TempDir Path dir) {
        assertThat(TrainerCli.run("train", "--data", "nowhere", "--out", dir.resolve("x").toString())).isNotZero();
        assertThat(TrainerCli.run("train")).isNotZero();
    }

    @Test
    void loadsGeneratedFractalClassesAsAPreTrainingSource() throws Exception {
        DataSources.Loaded fractals = DataSources.load("synthetic:fractals:12x5:3");
        assertThat(fractals.train().labels()).hasSize(12);
        assertThat(fractals.train().size()).isEqualTo(60);
        assertThat(fractals.test()).isNull();
        assertThatThrownBy(() -> DataSources.load("synthetic:fractals:lots")).hasMessageContaining("CLASSESxPER_CLASS");
    }

    @Test
    void resolvesClassSelections() {
        var labels = FashionMnist.CLASS_NAMES;
        assertThat(DataSources.classes("0-2", labels)).containsExactly("T-shirt/top", "Trouser", "Pullover");
        assertThat(DataSources.classes("9,Sandal", labels)).containsExactly("Ankle boot", "Sandal");
        assertThat(DataSources.classes("all", labels)).isEqualTo(labels);
        assertThatThrownBy(() -> DataSources.classes("10", labels)).hasMessageContaining("outside 0-9");
        assertThatThrownBy(() -> DataSources.classes("Hat", labels)).hasMessageContaining("Hat");
    }
}
