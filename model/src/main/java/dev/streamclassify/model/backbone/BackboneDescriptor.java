package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;

import java.util.Map;
import java.util.Objects;

/**
 * The JSON that sits next to a DL4J backbone file: which file, where to cut, what input it wants, and how it was
 * made (free-form provenance: command, source data, holdout accuracy).
 */
public record BackboneDescriptor(String name, String modelFile, String cutLayer, PreprocessingSpec preprocessing,
                                 Map<String, Object> provenance) {

    public BackboneDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(cutLayer, "cutLayer");
        Objects.requireNonNull(preprocessing, "preprocessing");
        provenance = provenance == null ? Map.of() : Map.copyOf(provenance);
    }
}
