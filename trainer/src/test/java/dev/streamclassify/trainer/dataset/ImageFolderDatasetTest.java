package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ImageFolderDatasetTest {

    /** Four flat colours in 16x16 blocks: few enough for GIF's palette to keep exactly, smooth enough for JPEG. */
    private static final RawImage COLOUR = blocks(3, new int[][] {{200, 30, 30}, {30, 200, 30}, {30, 30, 200},
            {240, 240, 240}});
    private static final RawImage GRAY = blocks(1, new int[][] {{0}, {80}, {160}, {255}});

    @TempDir
    Path root;

    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void loadsPngJpegBmpGifInGrayscaleAndColour() throws IOException {
        for (String format : List.of("png", "jpeg", "bmp", "gif")) {
            write("colour", name(format), ImageEncoder.encode(COLOUR, format));
            write("gray", name(format).toUpperCase(), ImageEncoder.encode(GRAY, format));
        }

        FolderLoadResult result = ImageFolderDataset.load(root, decoder);

        assertThat(result.skipped()).isEmpty();
        Dataset d = result.dataset();
        assertThat(d.labels()).containsExactly("colour", "gray");
        assertThat(d.countsPerClass()).containsEntry("colour", 4).containsEntry("gray", 4);
        List<RawImage> colour = d.images().subList(0, 4).stream().map(LabelledImage::image).toList();
        List<RawImage> gray = d.images().subList(4, 8).stream().map(LabelledImage::image).toList();
        // files sort as a.png, b.jpeg, c.bmp, d.gif
        assertThat(colour.get(0)).isEqualTo(COLOUR);
        assertThat(meanAbsoluteError(colour.get(1), COLOUR)).isLessThan(8);
        assertThat(colour.get(2)).isEqualTo(COLOUR);
        assertThat(colour.get(3)).isEqualTo(COLOUR);
        assertThat(gray.get(0)).isEqualTo(GRAY);
        assertThat(gray.get(1).channels()).isEqualTo(1);
        assertThat(meanAbsoluteError(gray.get(1), GRAY)).isLessThan(8);
        // the encoder writes grayscale BMP and GIF as RGB, so they come back as three equal channels
        assertThat(gray.get(2)).isEqualTo(toRgb(GRAY));
        assertThat(gray.get(3)).isEqualTo(toRgb(GRAY));
    }

    @Test
    void reportsCorruptFilesAsSkippedAndLoadsTheRest() throws IOException {
        byte[] png = ImageEncoder.png(GRAY);
        write("shoe", "good.png", png);
        write("shoe", "cut.png", Arrays.copyOf(png, png.length / 2));
        write("shoe", "text.jpg", "not an image".getBytes());

        FolderLoadResult result = ImageFolderDataset.load(root, decoder);

        assertThat(result.dataset().images()).containsExactly(new LabelledImage("shoe", GRAY));
        assertThat(result.skipped()).hasSize(2);
        assertThat(result.skipped().get(0)).startsWith("shoe/cut.png: corrupt: ");
        assertThat(result.skipped().get(1)).startsWith("shoe/text.jpg: unsupported-format: ");
    }

    @Test
    void sortsLabelsAndIgnoresHiddenEntriesAndOtherFiles() throws IOException {
        byte[] png = ImageEncoder.png(GRAY);
        for (String label : List.of("zebra", "Apple", "mango")) {
            write(label, "x.png", png);
        }
        write("mango", "notes.txt", "ignore me".getBytes());
        write("mango", ".hidden.png", png);
        write(".cache", "x.png", png);
        Files.write(root.resolve("README.md"), "not a class".getBytes());

        FolderLoadResult result = ImageFolderDataset.load(root, decoder);

        assertThat(result.dataset().labels()).containsExactly("Apple", "mango", "zebra");
        assertThat(result.dataset().size()).isEqualTo(3);
        assertThat(result.skipped()).isEmpty();
    }

    @Test
    void doesNotFollowSymbolicLinksOutOfTheRoot(@TempDir Path outside) throws IOException {
        byte[] png = ImageEncoder.png(GRAY);
        Path secret = Files.write(outside.resolve("secret.png"), png);
        write("shoe", "inside.png", png);
        Path shoe = root.resolve("shoe");
        assumeTrue(trySymlink(shoe.resolve("leak.png"), secret), "file system supports symbolic links");
        Files.createSymbolicLink(shoe.resolve("alias.png"), shoe.resolve("inside.png"));
        Files.createSymbolicLink(root.resolve("escape"), outside);

        FolderLoadResult result = ImageFolderDataset.load(root, decoder);

        assertThat(result.dataset().labels()).containsExactly("shoe");
        assertThat(result.dataset().size()).isEqualTo(2);
        assertThat(result.skipped()).containsExactlyInAnyOrder(
                "escape: symbolic link leading outside the root, not followed",
                "shoe/leak.png: symbolic link leading outside the root, not followed");
    }

    @Test
    void leavesOutAClassWithNothingDecodableAndSaysSo() throws IOException {
        write("good", "a.png", ImageEncoder.png(GRAY));
        write("bad", "a.png", new byte[] {1, 2, 3});

        FolderLoadResult result = ImageFolderDataset.load(root, decoder);

        assertThat(result.dataset().labels()).containsExactly("good");
        assertThat(result.skipped()).contains("bad/: no decodable image, class left out");
    }

    @Test
    void rejectsAFolderWithoutClassFolders() {
        assertThatThrownBy(() -> ImageFolderDataset.load(root, decoder))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(root.toString())
                .hasMessageContaining("no class folders")
                .hasMessageContaining("root/<label>/*.png");
    }

    @Test
    void rejectsClassFoldersWithoutImages() throws IOException {
        Files.createDirectories(root.resolve("empty"));
        write("text", "notes.txt", "x".getBytes());

        assertThatThrownBy(() -> ImageFolderDataset.load(root, decoder))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("none of the class folders [empty, text] holds a decodable image");
    }

    @Test
    void rejectsARootThatIsNotADirectory() throws IOException {
        Path file = Files.write(root.resolve("file.png"), ImageEncoder.png(GRAY));

        assertThatThrownBy(() -> ImageFolderDataset.load(file, decoder))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": not a directory");
    }

    private void write(String label, String file, byte[] bytes) throws IOException {
        Path dir = root.resolve(label);
        Files.createDirectories(dir);
        Files.write(dir.resolve(file), bytes);
    }

    private static String name(String format) {
        return switch (format) {
            case "png" -> "a.png";
            case "jpeg" -> "b.jpeg";
            case "bmp" -> "c.bmp";
            default -> "d.gif";
        };
    }

    private static boolean trySymlink(Path link, Path target) {
        try {
            Files.createSymbolicLink(link, target);
            return true;
        } catch (UnsupportedOperationException | IOException e) {
            return false;
        }
    }

    private static RawImage blocks(int channels, int[][] colours) {
        byte[] px = new byte[32 * 32 * channels];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int[] c = colours[(y / 16) * 2 + x / 16];
                for (int k = 0; k < channels; k++) {
                    px[(y * 32 + x) * channels + k] = (byte) c[k];
                }
            }
        }
        return new RawImage(32, 32, channels, px);
    }

    private static RawImage toRgb(RawImage gray) {
        byte[] px = new byte[gray.pixels().length * 3];
        for (int i = 0; i < gray.pixels().length; i++) {
            Arrays.fill(px, i * 3, i * 3 + 3, gray.pixels()[i]);
        }
        return new RawImage(gray.width(), gray.height(), 3, px);
    }

    private static double meanAbsoluteError(RawImage actual, RawImage expected) {
        assertThat(actual.channels()).isEqualTo(expected.channels());
        assertThat(actual.width()).isEqualTo(expected.width());
        double sum = 0;
        for (int i = 0; i < expected.pixels().length; i++) {
            sum += Math.abs((actual.pixels()[i] & 0xFF) - (expected.pixels()[i] & 0xFF));
        }
        return sum / expected.pixels().length;
    }
}
