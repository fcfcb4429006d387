package dev.streamclassify.model.artifact;

/** A model version that must not be served; {@link #reason()} is a stable code for logs, metrics and status events. */
public final class ArtifactException extends Exception {

    public enum Reason {
        CORRUPT("corrupt"),
        INVALID_METADATA("invalid-metadata"),
        FOREIGN_BACKBONE("foreign-backbone"),
        INPUT_MISMATCH("input-mismatch"),
        SHAPE_MISMATCH("shape-mismatch"),
        NON_FINITE_WEIGHTS("non-finite-weights");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ArtifactException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ArtifactException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
