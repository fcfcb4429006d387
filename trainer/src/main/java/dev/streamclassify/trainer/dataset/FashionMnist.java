package dev.streamclassify.trainer.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando, MIT licence): the full set as installed by Debian's {@code dataset-fashion-mnist}, and a
 * small class-balanced sample committed as classpath resources so tests and the demo run without the package.
 * Stateless and thread-safe; every call loads afresh.
 */
public final class FashionMnist {

    /** Class names in label-value order, exactly as the data set publishes them. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Environment variable that overrides {@link #DEBIAN_DIR}. */
    public static final String DIR_ENV = "FASHION_MNIST_DIR";
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    static final String SAMPLE_RESOURCE_DIR = "/datasets/fashion-mnist-sample/";
    static final String SAMPLE_TRAIN = "train";
    static final String SAMPLE_TEST = "test";
    private static final String FULL_TRAIN = "train";
    private static final String FULL_TEST = "t10k";

    private FashionMnist() {
    }

    /** {@value #DIR_ENV} if set, else where the Debian package installs the files. */
    public static Path defaultDir() {
        String env = System.getenv(DIR_ENV);
        return env == null || env.isBlank() ? DEBIAN_DIR : Path.of(env);
    }

    /** The 60,000 training images; {@code dir} holds {@code train-*-ubyte.gz} (or unzipped) files. */
    public static Dataset train(Path dir) throws IOException {
        return loadFull(dir, FULL_TRAIN);
    }

    /** The 10,000 test images; {@code dir} holds {@code t10k-*-ubyte.gz} (or unzipped) files. */
    public static Dataset test(Path dir) throws IOException {
        return loadFull(dir, FULL_TEST);
    }

    /**
     * The committed training sample: 400 images per class, drawn from the training set by {@link SampleMaker}
     * (see the README next to the resource files).
     *
     * @throws IllegalStateException if the resources are missing from the classpath (a packaging bug)
     */
    public static Dataset sampleTrain() {
        return loadSample(SAMPLE_TRAIN);
    }

    /** The committed test sample: 100 images per class, drawn from the separate t10k test set. */
    public static Dataset sampleTest() {
        return loadSample(SAMPLE_TEST);
    }

    static String imagesFile(String prefix) {
        return prefix + "-images-idx3-ubyte.gz";
    }

    static String labelsFile(String prefix) {
        return prefix + "-labels-idx1-ubyte.gz";
    }

    private static Dataset loadFull(Path dir, String prefix) throws IOException {
        return IdxDataset.load(existing(dir, imagesFile(prefix)), existing(dir, labelsFile(prefix)), CLASS_NAMES);
    }

    /** Accepts the file gzipped as shipped or unzipped by hand, and says how to get it when neither exists. */
    private static Path existing(Path dir, String gzName) throws IOException {
        Path gz = dir.resolve(gzName);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(gzName.substring(0, gzName.length() - ".gz".length()));
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new IOException("Fashion-MNIST file " + gz + " (or " + plain.getFileName() + ") not found: install "
                + "the Debian package dataset-fashion-mnist or set " + DIR_ENV + " to a directory holding it");
    }

    private static Dataset loadSample(String prefix) {
        String images = SAMPLE_RESOURCE_DIR + imagesFile(prefix);
        String labels = SAMPLE_RESOURCE_DIR + labelsFile(prefix);
        InputStream imagesIn = FashionMnist.class.getResourceAsStream(images);
        InputStream labelsIn = FashionMnist.class.getResourceAsStream(labels);
        if (imagesIn == null || labelsIn == null) {
            closeQuietly(imagesIn);
            closeQuietly(labelsIn);
            throw new IllegalStateException("classpath resource " + (imagesIn == null ? images : labels)
                    + " is missing: the trainer jar was built without the committed Fashion-MNIST sample");
        }
        try {
            return IdxDataset.load(imagesIn, "classpath:" + images, labelsIn, "classpath:" + labels, CLASS_NAMES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing was read from it; the missing resource is the error worth reporting
            }
        }
    }
}
