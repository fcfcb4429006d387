package dev.streamclassify.trainer.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Regenerates the committed Fashion-MNIST sample ({@link FashionMnist#sampleTrain()}, {@link
 * FashionMnist#sampleTest()}) from the full data set, so the resource files can be checked against their recipe:
 * {@code scripts/make-fashion-mnist-sample.sh}.
 */
public final class SampleMaker {

    private static final String USAGE =
            "usage: SampleMaker <fashion-mnist-dir> <out-dir> <train-per-class> <test-per-class> <seed>";

    private SampleMaker() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        Path out = Path.of(args[1]);
        try {
            write(source, out, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
        } catch (NumberFormatException e) {
            System.err.println(e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        for (String prefix : new String[] {FashionMnist.SAMPLE_TRAIN, FashionMnist.SAMPLE_TEST}) {
            for (String file : new String[] {FashionMnist.imagesFile(prefix), FashionMnist.labelsFile(prefix)}) {
                System.out.println(out.resolve(file) + " " + Files.size(out.resolve(file)) + " bytes");
            }
        }
    }

    /**
     * Draws {@code trainPerClass} images of every class from the training set and {@code testPerClass} from the
     * t10k set (see {@link Dataset#samplePerClass}) and writes the four gzip IDX files into {@code outDir},
     * creating it if needed.
     *
     * @throws IllegalArgumentException if a count is not positive or a class has fewer images than asked for
     */
    public static void write(Path sourceDir, Path outDir, int trainPerClass, int testPerClass, long seed)
            throws IOException {
        if (trainPerClass <= 0 || testPerClass <= 0) {
            throw new IllegalArgumentException("per-class counts must be positive, were " + trainPerClass + " and "
                    + testPerClass);
        }
        Dataset train = sample(FashionMnist.train(sourceDir), trainPerClass, seed, "training");
        Dataset test = sample(FashionMnist.test(sourceDir), testPerClass, seed, "test");
        Files.createDirectories(outDir);
        IdxDataset.write(outDir.resolve(FashionMnist.imagesFile(FashionMnist.SAMPLE_TRAIN)),
                outDir.resolve(FashionMnist.labelsFile(FashionMnist.SAMPLE_TRAIN)), train);
        IdxDataset.write(outDir.resolve(FashionMnist.imagesFile(FashionMnist.SAMPLE_TEST)),
                outDir.resolve(FashionMnist.labelsFile(FashionMnist.SAMPLE_TEST)), test);
    }

    /** A sample that is silently short of some class would skew every experiment built on it, so refuse one. */
    private static Dataset sample(Dataset full, int perClass, long seed, String which) {
        Dataset sample = full.samplePerClass(perClass, seed);
        for (Map.Entry<String, Integer> e : sample.countsPerClass().entrySet()) {
            if (e.getValue() != perClass) {
                throw new IllegalArgumentException("the " + which + " set has only " + e.getValue() + " images of '"
                        + e.getKey() + "', asked for " + perClass);
            }
        }
        return sample;
    }
}
