package dev.streamclassify.trainer.experiment;

/** The three ways every cell of the experiment is trained. */
public enum Method {
    /** Head on the frozen pre-trained backbone. */
    TRANSFER("transfer head"),
    /** The same network trained end to end from random initialisation. */
    SCRATCH("from scratch"),
    /** Head on the same architecture frozen at random initialisation: shows what pre-training adds. */
    RANDOM_BACKBONE("random frozen backbone");

    private final String label;

    Method(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
