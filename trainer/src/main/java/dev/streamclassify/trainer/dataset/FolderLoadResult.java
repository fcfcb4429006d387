package dev.streamclassify.trainer.dataset;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ImageFolderDataset} loaded, and what it left out and why, so a retrain request can report
 * unreadable files instead of failing on the first one.
 *
 * @param skipped one entry per file or folder left out: its path relative to the root, a colon, and the reason
 */
public record FolderLoadResult(Dataset dataset, List<String> skipped) {

    public FolderLoadResult {
        Objects.requireNonNull(dataset, "dataset");
        skipped = List.copyOf(skipped);
    }
}
