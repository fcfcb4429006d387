package dev.streamclassify.trainer.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {

    @Test
    void committedSampleHas4000TrainAnd1000TestImagesEvenlyOverTenClasses() {
        Dataset train = FashionMnist.sampleTrain();
        Dataset test = FashionMnist.sampleTest();

        assertThat(train.labels()).isEqualTo(FashionMnist.CLASS_NAMES).hasSize(10);
        assertThat(test.labels()).isEqualTo(FashionMnist.CLASS_NAMES);
        assertThat(train.size()).isEqualTo(4000);
        assertThat(test.size()).isEqualTo(1000);
        assertThat(train.countsPerClass().values()).containsOnly(400);
        assertThat(test.countsPerClass().values()).containsOnly(100);
        assertThat(train.images()).allSatisfy(im -> {
            assertThat(im.image().width()).isEqualTo(28);
            assertThat(im.image().height()).isEqualTo(28);
            assertThat(im.image().channels()).isEqualTo(1);
        });
    }

    @Test
    void committedTrainAndTestSamplesShareNoImage() {
        Set<String> train = hashes(FashionMnist.sampleTrain());

        assertThat(train).hasSize(4000);
        assertThat(hashes(FashionMnist.sampleTest())).hasSize(1000).doesNotContainAnyElementsOf(train);
    }

    @Test
    void sampleMakerReproducesTheCommittedSampleFromTheInstalledDataSet(@TempDir Path out) throws IOException {
        Path dir = FashionMnist.defaultDir();
        assumeTrue(Files.isDirectory(dir), "Fashion-MNIST installed (apt-get install dataset-fashion-mnist)");

        SampleMaker.write(dir, out, 400, 100, 42);

        assertThat(IdxDataset.load(out.resolve("train-images-idx3-ubyte.gz"),
                out.resolve("train-labels-idx1-ubyte.gz"), FashionMnist.CLASS_NAMES))
                .isEqualTo(FashionMnist.sampleTrain());
        assertThat(IdxDataset.load(out.resolve("test-images-idx3-ubyte.gz"),
                out.resolve("test-labels-idx1-ubyte.gz"), FashionMnist.CLASS_NAMES))
                .isEqualTo(FashionMnist.sampleTest());
    }

    @Test
    void installedDataSetHas60000TrainAnd10000TestImages() throws IOException {
        Path dir = FashionMnist.defaultDir();
        assumeTrue(Files.isDirectory(dir), "Fashion-MNIST installed (apt-get install dataset-fashion-mnist)");

        Dataset train = FashionMnist.train(dir);
        Dataset test = FashionMnist.test(dir);

        assertThat(train.size()).isEqualTo(60_000);
        assertThat(train.countsPerClass().values()).containsOnly(6_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.countsPerClass().values()).containsOnly(1_000);
    }

    @Test
    void readsUnzippedFilesWhenTheGzipOnesAreAbsent(@TempDir Path dir) throws IOException {
        Dataset small = FashionMnist.sampleTest().samplePerClass(2, 1);
        Path gzImages = dir.resolve("t10k-images-idx3-ubyte.gz");
        Path gzLabels = dir.resolve("t10k-labels-idx1-ubyte.gz");
        IdxDataset.write(gzImages, gzLabels, small);
        gunzipAndDelete(gzImages, dir.resolve("t10k-images-idx3-ubyte"));
        gunzipAndDelete(gzLabels, dir.resolve("t10k-labels-idx1-ubyte"));

        assertThat(FashionMnist.test(dir)).isEqualTo(small);
    }

    @Test
    void explainsHowToInstallWhenTheFilesAreMissing(@TempDir Path empty) {
        assertThatThrownBy(() -> FashionMnist.train(empty))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(empty.resolve("train-images-idx3-ubyte.gz").toString())
                .hasMessageContaining("dataset-fashion-mnist")
                .hasMessageContaining("FASHION_MNIST_DIR");
    }

    private static Set<String> hashes(Dataset d) {
        Set<String> out = new HashSet<>();
        d.images().forEach(im -> out.add(im.contentHash()));
        return out;
    }

    private static void gunzipAndDelete(Path gz, Path plain) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            Files.write(plain, in.readAllBytes());
        }
        Files.delete(gz);
    }
}
