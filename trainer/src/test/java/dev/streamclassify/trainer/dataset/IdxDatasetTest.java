package dev.streamclassify.trainer.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static dev.streamclassify.trainer.dataset.TestImages.colour;
import static dev.streamclassify.trainer.dataset.TestImages.counts;
import static dev.streamclassify.trainer.dataset.TestImages.gray;
import static dev.streamclassify.trainer.dataset.TestImages.interleaved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxDatasetTest {

    @TempDir
    Path dir;

    private final Dataset dataset = interleaved(counts("zero", 4, "one", 3, "two", 5));

    @Test
    void roundTripsAWrittenDataset() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");

        IdxDataset.write(images, labels, dataset);

        assertThat(gzipMagic(images)).isTrue();
        assertThat(gzipMagic(labels)).isTrue();
        assertThat(IdxDataset.load(images, labels, dataset.labels())).isEqualTo(dataset);
    }

    @Test
    void readsPlainAndGzipFilesAlike() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);
        Path plainImages = gunzip(images, dir.resolve("images"));
        Path plainLabels = gunzip(labels, dir.resolve("labels"));

        assertThat(IdxDataset.load(plainImages, plainLabels, dataset.labels())).isEqualTo(dataset);
        assertThat(IdxDataset.load(plainImages, labels, dataset.labels())).isEqualTo(dataset);
        assertThat(IdxDataset.load(images, plainLabels, dataset.labels())).isEqualTo(dataset);
    }

    @Test
    void rejectsATruncatedPlainImageFileNamingIt() throws IOException {
        Path labels = dir.resolve("labels.gz");
        Path plain = writePlainImages(labels);
        byte[] bytes = Files.readAllBytes(plain);
        Files.write(plain, Arrays.copyOf(bytes, bytes.length - 5));

        assertThatThrownBy(() -> IdxDataset.load(plain, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(plain.toString())
                .hasMessageContaining("truncated after 11 of 12 images");
    }

    @Test
    void rejectsATruncatedGzipImageFileNamingIt() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> IdxDataset.load(images, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(images.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsATruncatedHeaderNamingTheFile() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);
        Path shortLabels = dir.resolve("short-labels");
        Files.write(shortLabels, new byte[] {0, 0, 8, 1, 0, 0});

        assertThatThrownBy(() -> IdxDataset.load(images, shortLabels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessage(shortLabels + ": truncated IDX header");
    }

    @Test
    void rejectsGarbageNamingTheFile() throws IOException {
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(dir.resolve("images.gz"), labels, dataset);
        Path garbage = dir.resolve("garbage.bin");
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        Files.write(garbage, noise);

        assertThatThrownBy(() -> IdxDataset.load(garbage, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(garbage.toString())
                .hasMessageContaining("not an IDX3 unsigned-byte image file");
    }

    @Test
    void rejectsCorruptGzipNamingTheFile() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);
        byte[] bytes = Files.readAllBytes(images);
        for (int i = 12; i < bytes.length - 8; i++) {
            bytes[i] = (byte) ~bytes[i];
        }
        Files.write(images, bytes);

        assertThatThrownBy(() -> IdxDataset.load(images, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(images.toString());
    }

    @Test
    void rejectsSwappedImageAndLabelFiles() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);

        assertThatThrownBy(() -> IdxDataset.load(labels, images, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(images.toString())
                .hasMessageContaining("looks like an image file");
    }

    @Test
    void rejectsALabelValueWithoutAClassName() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(images, labels, dataset);

        assertThatThrownBy(() -> IdxDataset.load(images, labels, List.of("zero", "one")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(labels.toString())
                .hasMessageContaining("label value 2 at item 2 has no class name");
    }

    @Test
    void rejectsImageAndLabelFilesOfDifferentLengths() throws IOException {
        Path images = dir.resolve("images.gz");
        IdxDataset.write(images, dir.resolve("labels.gz"), dataset);
        Path fewerLabels = dir.resolve("fewer-labels.gz");
        IdxDataset.write(dir.resolve("other-images.gz"), fewerLabels, dataset.samplePerClass(1, 1));

        assertThatThrownBy(() -> IdxDataset.load(images, fewerLabels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessage(images + ": holds 12 images but " + fewerLabels + " holds 3 labels");
    }

    @Test
    void rejectsBytesAfterTheDeclaredImages() throws IOException {
        Path labels = dir.resolve("labels.gz");
        Path plain = writePlainImages(labels);
        Files.write(plain, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> IdxDataset.load(plain, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessage(plain + ": unexpected bytes after the declared 12 images");
    }

    @Test
    void rejectsAnImplausibleHeaderBeforeAllocatingForIt() throws IOException {
        Path labels = dir.resolve("labels.gz");
        IdxDataset.write(dir.resolve("images.gz"), labels, dataset);
        Path huge = dir.resolve("huge");
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(2051);
            out.writeInt(12);
            out.writeInt(1_000_000);
            out.writeInt(1_000_000);
        }
        Files.write(huge, bytes.toByteArray());

        assertThatThrownBy(() -> IdxDataset.load(huge, labels, dataset.labels()))
                .isInstanceOf(IOException.class)
                .hasMessage(huge + ": implausible header: 12 images of 1000000x1000000 pixels");
    }

    @Test
    void refusesToWriteWhatIdxCannotHold() {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Dataset withColour = new Dataset(List.of("a"), List.of(
                new LabelledImage("a", gray(4, 3, 1)), new LabelledImage("a", colour(4, 3, 2))));
        Dataset mixedSizes = new Dataset(List.of("a"), List.of(
                new LabelledImage("a", gray(4, 3, 1)), new LabelledImage("a", gray(3, 4, 2))));
        Dataset empty = new Dataset(List.of("a"), List.of());

        assertThatThrownBy(() -> IdxDataset.write(images, labels, withColour))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image 1 has 3 channels");
        assertThatThrownBy(() -> IdxDataset.write(images, labels, mixedSizes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image 1 is 3x4");
        assertThatThrownBy(() -> IdxDataset.write(images, labels, empty))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThat(images).doesNotExist();
        assertThat(labels).doesNotExist();
    }

    private Path writePlainImages(Path labels) throws IOException {
        Path images = dir.resolve("images.gz");
        IdxDataset.write(images, labels, dataset);
        return gunzip(images, dir.resolve("images"));
    }

    private static Path gunzip(Path gz, Path plain) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            Files.write(plain, in.readAllBytes());
        }
        return plain;
    }

    private static boolean gzipMagic(Path file) throws IOException {
        byte[] head = Arrays.copyOf(Files.readAllBytes(file), 2);
        return (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b;
    }
}
