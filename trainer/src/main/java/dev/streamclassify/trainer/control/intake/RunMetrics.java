package dev.streamclassify.trainer.control.intake;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Figures of a finished command, carried by its {@code succeeded} event; absent figures are left out of the JSON.
 *
 * @param holdoutAccuracy       the new version's accuracy on the holdout
 * @param activeVersion         the version that was active before the command, if any
 * @param activeHoldoutAccuracy that version's accuracy on the same holdout (null if it could not be evaluated)
 * @param activated             whether the command left a new version active
 * @param featurized            distinct images run through the backbone for this command
 * @param fromCache             images whose features came from the feature cache
 * @param skippedImages         records that were not decodable images (counted, not fatal)
 * @param unlabelledImages      records without a usable {@code label} header
 * @param duplicateImages       records repeating an earlier image with the same label
 * @param semiSupervised        how the unlabelled pool was used (self-training, label-spreading); absent without one
 * @param unlabelledPool        unlabelled images the head learnt from (trainImages is the labelled count)
 * @param unlabelledSkipped     unlabelled records left out: undecodable, repeated, also labelled, or over the byte budget
 * @param pseudoLabelsPerRound  pseudo-labelled images each semi-supervised round trained on
 * @param unlabelledSource      where the unlabelled pool came from: {@code topic}, {@code folder} or {@code pool} (the
 *                              stream feature pool, already featurized)
 * @param poolOffsets           the stream feature pool's images used, per partition of the images topic: first and last offset
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunMetrics(Double holdoutAccuracy, Long activeVersion, Double activeHoldoutAccuracy, Boolean activated,
                         Integer trainImages, Integer holdoutImages, Map<String, Integer> imagesPerClass,
                         Integer featurized, Integer fromCache, Integer skippedImages, Integer unlabelledImages,
                         Integer duplicateImages, Integer epochs, Double headSeconds, Double totalSeconds,
                         String semiSupervised, Integer unlabelledPool, Integer unlabelledSkipped, List<Integer> pseudoLabelsPerRound,
                         String unlabelledSource, Map<String, List<Long>> poolOffsets) {

    public RunMetrics {
        imagesPerClass = imagesPerClass == null ? null : Collections.unmodifiableMap(new TreeMap<>(imagesPerClass));
        pseudoLabelsPerRound = pseudoLabelsPerRound == null ? null : List.copyOf(pseudoLabelsPerRound);
        poolOffsets = poolOffsets == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(poolOffsets));
    }

    /** Figures of a retrain on labels only. */
    public RunMetrics(Double holdoutAccuracy, Long activeVersion, Double activeHoldoutAccuracy, Boolean activated,
                      Integer trainImages, Integer holdoutImages, Map<String, Integer> imagesPerClass,
                      Integer featurized, Integer fromCache, Integer skippedImages, Integer unlabelledImages,
                      Integer duplicateImages, Integer epochs, Double headSeconds, Double totalSeconds) {
        this(holdoutAccuracy, activeVersion, activeHoldoutAccuracy, activated, trainImages, holdoutImages, imagesPerClass, featurized,
                fromCache, skippedImages, unlabelledImages, duplicateImages, epochs, headSeconds, totalSeconds, null, null, null, null, null, null);
    }

    /** These figures plus what a semi-supervised retrain did with its unlabelled pool, read from {@code source}. */
    public RunMetrics withSemiSupervised(String method, int pool, int skipped, List<Integer> perRound, String source,
                                         Map<String, List<Long>> poolOffsets) {
        return new RunMetrics(holdoutAccuracy, activeVersion, activeHoldoutAccuracy, activated, trainImages, holdoutImages, imagesPerClass,
                featurized, fromCache, skippedImages, unlabelledImages, duplicateImages, epochs, headSeconds, totalSeconds, method, pool,
                skipped, perRound, source, poolOffsets);
    }

    /** What an {@code activate} command reports: the version it replaced. */
    public static RunMetrics activation(Long previousVersion) {
        return new RunMetrics(null, previousVersion, null, true, null, null, null, null, null, null, null, null, null, null, null);
    }
}
