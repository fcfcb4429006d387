package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.ImageDecoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Data set locations as written on the command line and in control commands:
 * {@code sample} (the committed Fashion-MNIST sample), {@code fashion-mnist[:DIR]} (the IDX files, by default from
 * the Debian package) and {@code folder:PATH} (root/&lt;label&gt;/*.png|jpg|bmp|gif).
 */
public final class DataSources {

    /** Training data and, when the source has one, its own test split. */
    public record Loaded(Dataset train, Dataset test, List<String> skipped) {
    }

    private DataSources() {
    }

    public static Loaded load(String location) throws IOException {
        if (location.equals("sample")) {
            return new Loaded(FashionMnist.sampleTrain(), FashionMnist.sampleTest(), List.of());
        }
        if (location.equals("fashion-mnist") || location.startsWith("fashion-mnist:")) {
            Path dir = location.contains(":") ? Path.of(location.substring(location.indexOf(':') + 1)) : FashionMnist.defaultDir();
            return new Loaded(FashionMnist.train(dir), FashionMnist.test(dir), List.of());
        }
        if (location.startsWith("folder:")) {
            FolderLoadResult r = ImageFolderDataset.load(Path.of(location.substring("folder:".length())), new ImageDecoder());
            return new Loaded(r.dataset(), null, r.skipped());
        }
        if (location.equals("synthetic:fractals") || location.startsWith("synthetic:fractals:")) {
            return new Loaded(fractals(location), null, List.of());
        }
        throw new IllegalArgumentException("data set '" + location
                + "' must be sample, fashion-mnist[:DIR], folder:PATH or synthetic:fractals[:CLASSESxPER_CLASS[:SEED]]");
    }

    /** Formula-driven images (one iterated function system per class): a download-free pre-training source. */
    private static Dataset fractals(String location) {
        String[] p = location.split(":");
        int classes = 200;
        int perClass = 50;
        long seed = 1;
        try {
            if (p.length > 2) {
                String[] cx = p[2].split("x");
                classes = Integer.parseInt(cx[0]);
                perClass = Integer.parseInt(cx[1]);
            }
            if (p.length > 3) {
                seed = Long.parseLong(p[3]);
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("'" + location + "' must be synthetic:fractals[:CLASSESxPER_CLASS[:SEED]]", e);
        }
        return FractalDataset.generate(classes, perClass, 28, seed);
    }

    /**
     * Resolves a class selection against {@code labels}: ranges and indices ({@code 0-4}, {@code 5,7,9}) or names
     * ({@code Sandal,Sneaker}); {@code all} or blank keeps every class.
     */
    public static List<String> classes(String selection, List<String> labels) {
        if (selection == null || selection.isBlank() || selection.equals("all")) {
            return labels;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String part : selection.split(",")) {
            String p = part.trim();
            if (p.matches("\\d+-\\d+")) {
                String[] ab = p.split("-");
                for (int i = Integer.parseInt(ab[0]); i <= Integer.parseInt(ab[1]); i++) {
                    out.add(label(labels, i, selection));
                }
            } else if (p.matches("\\d+")) {
                out.add(label(labels, Integer.parseInt(p), selection));
            } else if (labels.contains(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("class '" + p + "' is not one of " + labels);
            }
        }
        return new ArrayList<>(out);
    }

    private static String label(List<String> labels, int i, String selection) {
        if (i < 0 || i >= labels.size()) {
            throw new IllegalArgumentException("class index " + i + " in '" + selection + "' is outside 0-" + (labels.size() - 1));
        }
        return labels.get(i);
    }
}
