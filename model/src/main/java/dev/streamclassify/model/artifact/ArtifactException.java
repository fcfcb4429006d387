package dev.streamclassify.model.artifact;

/** A model version that must not be served; {@link #reason()} is a stable code for logs, metrics and status events. */
public final class ArtifactException extends Exception {

    public enum Reason {
        CORRUPT("corrupt"),
        INVALID_METADATA("invalid-metadata"),
        FOREIGN_BACKBONE("foreign-backbone"),
        INPUT_MISMATCH("input-mismatch"),
        SHAPE_MISMATCH("shape-mismatch"),
        NON_FINITE_WEIGHTS("non-finite-weights"),
        /** Outputs on the warm-up canary batch are NaN, infinite or not a probability distribution. */
        UNSTABLE_OUTPUT("unstable-output"),
        /** No signature, and unsigned versions are not allowed. */
        UNSIGNED("unsigned"),
        /** Signed by a key that is not among the trusted keys. */
        UNTRUSTED_KEY("untrusted-key"),
        /** A signature by a trusted key that does not match the bytes. */
        BAD_SIGNATURE("bad-signature"),
        /** A second, different record under a version key already seen: versions are immutable. */
        VERSION_CONFLICT("version-conflict");

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
