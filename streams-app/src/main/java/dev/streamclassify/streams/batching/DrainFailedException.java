package dev.streamclassify.streams.batching;

/**
 * Classifying a batch out of the buffer failed for a reason that is not one image's fault (images that fail alone are
 * dead-lettered inside the drain). The exception handlers let the task fail on it rather than dead-letter the record
 * that happened to trigger the drain.
 */
public final class DrainFailedException extends RuntimeException {

    public DrainFailedException(String taskId, Throwable cause) {
        super("draining the image buffer of task " + taskId + " failed: " + cause, cause);
    }
}
