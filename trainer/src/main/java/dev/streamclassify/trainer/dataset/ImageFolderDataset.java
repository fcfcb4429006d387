package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loads a labelled image folder laid out as {@code root/<label>/<file>.png|jpg|jpeg|bmp|gif} (extensions in any
 * case). Labels are the folder names in {@link String} order, images follow in label then file-name order, so the
 * same folder always yields the same dataset and class ids. Images keep the channels the decoder gives them.
 * One bad file does not fail the load: it is listed in {@link FolderLoadResult#skipped()}, as is a class folder
 * with nothing decodable (that class is left out). Hidden entries (name starting with a dot) and files with other
 * extensions are ignored. Symbolic links are followed only while they stay inside the root, so a folder
 * received with a retrain request cannot pull in files from elsewhere on the host. Stateless; as thread-safe
 * as the decoder.
 */
public final class ImageFolderDataset {

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");
    private static final String LAYOUT = "expected root/<label>/*.png|jpg|jpeg|bmp|gif";

    private ImageFolderDataset() {
    }

    /** @throws IOException if {@code root} is not a readable directory or holds no decodable image in any class */
    public static FolderLoadResult load(Path root, ImageDecoder decoder) throws IOException {
        return load(root, decoder, DatasetBudget.unlimited());
    }

    /**
     * As {@link #load(Path, ImageDecoder)}, within {@code budget}: the image files are counted before any is decoded,
     * and each decoded image is admitted (shrunk, counted) by the budget.
     *
     * @throws DatasetBudget.Exceeded if the folder holds more image files or pixels than the budget allows
     */
    public static FolderLoadResult load(Path root, ImageDecoder decoder, DatasetBudget budget) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a directory; " + LAYOUT);
        }
        Path realRoot = root.toRealPath();
        List<String> skipped = new ArrayList<>();
        SortedMap<String, Path> classDirs = new TreeMap<>();
        for (Path entry : sortedChildren(realRoot)) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            Path target = resolveInside(entry, realRoot, name, skipped);
            if (target != null && Files.isDirectory(target)) {
                classDirs.put(name, target);
            }
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + ": no class folders; " + LAYOUT);
        }

        SortedMap<String, List<Path>> candidates = new TreeMap<>();
        long count = 0;
        for (var classDir : classDirs.entrySet()) {
            try {
                List<Path> files = sortedChildren(classDir.getValue()).stream().filter(f -> {
                    String name = f.getFileName().toString();
                    return !name.startsWith(".") && EXTENSIONS.contains(extension(name));
                }).toList();
                candidates.put(classDir.getKey(), files);
                count += files.size();
            } catch (IOException e) {
                skipped.add(classDir.getKey() + "/: cannot list folder: " + e);
            }
        }
        budget.checkCandidates(count, "image files in " + root);

        List<String> labels = new ArrayList<>();
        List<LabelledImage> images = new ArrayList<>();
        for (var classFiles : candidates.entrySet()) {
            String label = classFiles.getKey();
            int before = images.size();
            for (Path file : classFiles.getValue()) {
                String name = file.getFileName().toString();
                String shown = label + "/" + name;
                Path target = resolveInside(file, realRoot, shown, skipped);
                if (target == null) {
                    continue;
                }
                if (!Files.isRegularFile(target)) {
                    skipped.add(shown + ": not a regular file");
                } else {
                    try {
                        images.add(new LabelledImage(label, budget.admit(decoder.decode(Files.readAllBytes(target)))));
                    } catch (ImageRejectedException e) {
                        skipped.add(shown + ": " + e.reason().code() + ": " + e.getMessage());
                    } catch (IOException e) {
                        skipped.add(shown + ": unreadable: " + e);
                    }
                }
            }
            if (images.size() == before) {
                skipped.add(label + "/: no decodable image, class left out");
            } else {
                labels.add(label);
            }
        }
        if (labels.isEmpty()) {
            throw new IOException(root + ": none of the class folders " + classDirs.keySet()
                    + " holds a decodable image; " + LAYOUT);
        }
        return new FolderLoadResult(new Dataset(labels, images), skipped);
    }

    private static List<Path> sortedChildren(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.sorted().toList();
        }
    }

    /** The real location of {@code entry}, or null (with the reason added to {@code skipped}) if it is unusable. */
    private static Path resolveInside(Path entry, Path realRoot, String shown, List<String> skipped) {
        Path real;
        try {
            real = entry.toRealPath();
        } catch (IOException e) {
            skipped.add(shown + ": cannot resolve (broken symbolic link?): " + e);
            return null;
        }
        if (!real.startsWith(realRoot)) {
            skipped.add(shown + ": symbolic link leading outside the root, not followed");
            return null;
        }
        return real;
    }

    private static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
