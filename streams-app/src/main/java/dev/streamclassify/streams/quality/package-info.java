/**
 * Label feedback: true labels arriving later are joined with every head's prediction of the same image id, and each
 * version's live accuracy, per-class precision/recall and confusion over a sliding window go to the model-quality
 * topic and to gauges.
 */
package dev.streamclassify.streams.quality;
