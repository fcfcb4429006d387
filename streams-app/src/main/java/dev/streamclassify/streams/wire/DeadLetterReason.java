package dev.streamclassify.streams.wire;

import dev.streamclassify.model.image.ImageRejectedException;

/**
 * Why a record went to the dead-letter topic: the value of its {@code error.reason} header and the {@code reason} tag of
 * the dead-letter counter. Every code the app writes is here, so the contract lists them in one place.
 */
public enum DeadLetterReason {
    /** The image has no bytes. */
    EMPTY("empty"),
    /** More bytes than {@code image.max.bytes}. */
    TOO_LARGE("too-large"),
    /** The header declares more pixels than {@code image.max.pixels}. */
    TOO_MANY_PIXELS("too-many-pixels"),
    /** Not a PNG, JPEG, BMP or GIF image. */
    UNSUPPORTED_FORMAT("unsupported-format"),
    /** A known format that cannot be decoded. */
    CORRUPT("corrupt"),
    /** The image id (record key) is longer than the app copies into a prediction; dead-lettered without the key. */
    KEY_TOO_LONG("key-too-long"),
    /** Decoded, but preprocessing failed for another reason. */
    PREPROCESSING_FAILED("preprocessing-failed"),
    /** The image failed its forward pass on its own after its batch had failed. */
    INFERENCE_FAILED("inference-failed"),
    /** Kafka Streams could not deserialize the record. */
    DESERIALIZATION_FAILED("deserialization-failed"),
    /** Processing the record threw, outside the batch's own handling. */
    PROCESSING_FAILED("processing-failed");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    /** The code on the wire. */
    public String code() {
        return code;
    }

    /** The reason the decoder gave for refusing an image. */
    public static DeadLetterReason of(ImageRejectedException.Reason reason) {
        return switch (reason) {
            case EMPTY -> EMPTY;
            case TOO_LARGE -> TOO_LARGE;
            case TOO_MANY_PIXELS -> TOO_MANY_PIXELS;
            case UNSUPPORTED_FORMAT -> UNSUPPORTED_FORMAT;
            case CORRUPT -> CORRUPT;
        };
    }
}
