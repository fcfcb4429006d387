/**
 * The stream feature pool ({@code pool.max.images} > 0): {@link dev.streamclassify.trainer.streampool.StreamPool}
 * follows the images topic while {@code trainer serve} runs and keeps the features of the most recent images, so a
 * retrain with {@code "unlabelled":{"pool":true}} learns from them without re-reading the topic. The bounded ring,
 * the record-to-features path and the consumer thread are in {@code internal}.
 */
package dev.streamclassify.trainer.streampool;
