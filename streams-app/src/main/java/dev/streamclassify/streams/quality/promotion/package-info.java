/**
 * Automatic promotion: a canary or shadow version whose live accuracy beats the active version's by a margin, over
 * enough labelled images, is proposed for activation on the trainer's control topic, with a status event saying why.
 */
package dev.streamclassify.streams.quality.promotion;
