package dev.streamclassify.model.image;

/** An input image that cannot be classified; {@link #reason()} is the short code that travels in DLQ headers. */
public final class ImageRejectedException extends Exception {

    /** Short, stable codes: they end up in metrics labels and in the {@code error.reason} header. */
    public enum Reason {
        EMPTY("empty"),
        TOO_LARGE("too-large"),
        TOO_MANY_PIXELS("too-many-pixels"),
        UNSUPPORTED_FORMAT("unsupported-format"),
        CORRUPT("corrupt");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
