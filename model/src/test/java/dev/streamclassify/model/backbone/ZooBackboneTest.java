package dev.streamclassify.model.backbone;

import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.zoo.PretrainedType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The zoo path with DL4J's real download and checksum code, against a mirror on the loopback interface. */
class ZooBackboneTest extends BackboneSourceContract {

    private static LoopbackMirror mirror;
    private static byte[] served;

    @TempDir
    Path cache;

    private ZooDownloads downloads;

    @BeforeAll
    static void startMirror() {
        served = ZooDownloads.tinyNetBytes();
        mirror = new LoopbackMirror();
        mirror.put("/models/" + ZooDownloads.FILE, served);
    }

    @AfterAll
    static void stopMirror() {
        mirror.close();
    }

    @BeforeEach
    void pointDl4jAtTheMirror() {
        downloads = new ZooDownloads(mirror, cache);
        mirror.resetRequests();
    }

    @AfterEach
    void restoreDl4jDefaults() {
        String privateUrl = mirror.baseUrl();
        downloads.close();
        assertThat(DL4JResources.getBaseDownloadURL()).isNotEqualTo(privateUrl);
        assertThat(DL4JResources.getBaseDirectory().toPath()).isNotEqualTo(cache);
    }

    @Override
    protected Backbone load() throws Exception {
        return ZooBackbones.load(new ZooDownloads.TinyNet(ZooDownloads.adler32(served)), PretrainedType.IMAGENET,
                TestModels.CUT, TestModels.MNIST_SPEC);
    }

    @Test
    void downloadsOnceThenUsesTheCache() throws Exception {
        open();
        open();

        assertThat(mirror.requests()).isEqualTo(1);
        assertThat(cachedFile()).exists().hasBinaryContent(served);
    }

    @Test
    void fingerprintIsTheSha256OfTheDownloadedFile() throws Exception {
        Backbone backbone = open();

        assertThat(backbone.info().fingerprint()).isEqualTo(Hashing.fingerprint(served));
        assertThat(backbone.info().name()).isEqualTo("tinynet");
    }

    @Test
    void refusesAFileThatFailsTheChecksumAndDropsIt() {
        var expectingOtherBytes = new ZooDownloads.TinyNet(ZooDownloads.adler32(served) + 1);

        assertThatThrownBy(() -> ZooBackbones.load(expectingOtherBytes, PretrainedType.IMAGENET, TestModels.CUT, TestModels.MNIST_SPEC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tinynet")
                .hasMessageContaining("download check")
                .hasMessageContaining("checksum");
        assertThat(mirror.requests()).isEqualTo(1);
        assertThat(cachedFile()).doesNotExist();
    }

    @Test
    void refusesAnUnknownZooModelNamingTheKnownOnes() {
        assertThatThrownBy(() -> Backbones.load("zoo:nosuch"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nosuch")
                .hasMessageContaining("squeezenet")
                .hasMessageContaining("resnet50")
                .hasMessageContaining("vgg16")
                .hasMessageContaining("darknet19");
        assertThat(mirror.requests()).isZero();
    }

    private static File cachedFile() {
        return new File(DL4JResources.getDirectory(ResourceType.ZOO_MODEL, "tinynet"), ZooDownloads.FILE);
    }
}
