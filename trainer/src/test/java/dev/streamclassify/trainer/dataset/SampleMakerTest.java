package dev.streamclassify.trainer.dataset;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.streamclassify.trainer.dataset.TestImages.interleaved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SampleMakerTest {

    @TempDir
    Path source;
    @TempDir
    Path out;

    private Dataset fullTrain;
    private Dataset fullTest;

    @BeforeEach
    void writeAMiniatureFashionMnist() throws IOException {
        fullTrain = interleaved(perClass(12));
        fullTest = interleaved(perClass(6));
        IdxDataset.write(source.resolve("train-images-idx3-ubyte.gz"), source.resolve("train-labels-idx1-ubyte.gz"),
                fullTrain);
        IdxDataset.write(source.resolve("t10k-images-idx3-ubyte.gz"), source.resolve("t10k-labels-idx1-ubyte.gz"),
                fullTest);
    }

    @Test
    void writesNImagesPerClassFromEachSetAsGzipIdx() throws IOException {
        SampleMaker.write(source, out, 5, 2, 42);

        Dataset train = load("train");
        Dataset test = load("test");
        assertThat(train.size()).isEqualTo(50);
        assertThat(train.countsPerClass().values()).containsOnly(5);
        assertThat(test.size()).isEqualTo(20);
        assertThat(test.countsPerClass().values()).containsOnly(2);
        assertThat(train).isEqualTo(fullTrain.samplePerClass(5, 42));
        assertThat(test).isEqualTo(fullTest.samplePerClass(2, 42));
    }

    @Test
    void sameSeedWritesTheSameSampleAndAnotherSeedAnotherOne(@TempDir Path again, @TempDir Path other)
            throws IOException {
        SampleMaker.write(source, out, 5, 2, 42);
        SampleMaker.write(source, again, 5, 2, 42);
        SampleMaker.write(source, other, 5, 2, 43);

        assertThat(load(again, "train")).isEqualTo(load("train"));
        assertThat(load(other, "train")).isNotEqualTo(load("train"));
    }

    @Test
    void refusesASampleLargerThanAClass() {
        assertThatThrownBy(() -> SampleMaker.write(source, out, 5, 7, 42))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the test set has only 6 images of 'T-shirt/top', asked for 7");
    }

    private Dataset load(String prefix) throws IOException {
        return load(out, prefix);
    }

    private static Dataset load(Path dir, String prefix) throws IOException {
        return IdxDataset.load(dir.resolve(prefix + "-images-idx3-ubyte.gz"),
                dir.resolve(prefix + "-labels-idx1-ubyte.gz"), FashionMnist.CLASS_NAMES);
    }

    private static Map<String, Integer> perClass(int n) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        FashionMnist.CLASS_NAMES.forEach(c -> counts.put(c, n));
        return counts;
    }
}
